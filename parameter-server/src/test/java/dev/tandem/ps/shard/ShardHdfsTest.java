package dev.tandem.ps.shard;

import static dev.tandem.ps.shard.ShardFixtures.client;
import static dev.tandem.ps.shard.ShardFixtures.freePort;
import static dev.tandem.ps.shard.ShardFixtures.server;
import static dev.tandem.ps.shard.ShardFixtures.specs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.fs.Fs;
import dev.tandem.testing.MiniHdfsExtension;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.ShardedStore.PartFile;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Shards write their checkpoint parts to a real HDFS and restore from them. */
class ShardHdfsTest {
  @RegisterExtension
  static final MiniHdfsExtension HDFS = new MiniHdfsExtension();

  @Test
  void partsGoToHdfsAndComeBackOntoAnotherShardCount() throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      List<String> two = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ShardServer s = ShardServer.launch(server(freePort()));
        open.add(s);
        two.add(s.address());
      }
      AeronShardedStore writer = AeronShardedStore.connect(client(two.subList(0, 2)), specs());
      open.add(writer);
      InProcessEmbeddingStore reference = new InProcessEmbeddingStore(specs());
      ShardFixtures.sameRows(reference, writer, 3, 100, 21);
      String dir = HDFS.uri() + "/run/checkpoints/c-3";
      List<PartFile> parts = writer.checkpoint(dir, 3, false);
      assertThat(parts).allSatisfy(p -> assertThat(p.uri()).startsWith("hdfs://"));
      List<String> names = new ArrayList<>();
      for (FileStatus st : Fs.list(new Path(dir))) {
        names.add(st.getPath().getName());
        assertThat(st.getLen()).isPositive();
      }
      assertThat(names).containsExactly("embeddings-part-0-of-2.bin", "embeddings-part-1-of-2.bin"); // no temporaries left

      AeronShardedStore one = AeronShardedStore.connect(client(two.subList(2, 3)), specs());
      open.add(one);
      one.restore(parts);
      // the one restored shard and the in-process store trained alike continue alike
      ShardFixtures.sameRows(reference, one, 2, 100, 22);
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }
}
