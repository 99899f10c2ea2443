package dev.tandem.ps.shard;

import static dev.tandem.ps.shard.ShardFixtures.client;
import static dev.tandem.ps.shard.ShardFixtures.freePort;
import static dev.tandem.ps.shard.ShardFixtures.server;
import static dev.tandem.ps.shard.ShardFixtures.specs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.trainer.embedding.EmbeddingStore;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.ShardFailedException;
import dev.tandem.trainer.embedding.ShardedStore.PartFile;
import dev.tandem.trainer.embedding.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of Aeron shards: one part per shard, restored onto any number of shards, verified before loading. */
class ShardCheckpointTest {
  @TempDir
  Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A client of {@code n} fresh shards. */
  private AeronShardedStore shards(int n) throws Exception {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ShardServer s = ShardServer.launch(server(freePort()));
      open.add(s);
      addresses.add(s.address());
    }
    AeronShardedStore store = AeronShardedStore.connect(client(addresses), specs());
    open.add(store);
    return store;
  }

  /** Every id's row of every table. */
  private static List<float[]> allRows(EmbeddingStore store) {
    List<float[]> out = new ArrayList<>();
    for (int t = 0; t < store.tables().size(); t++) {
      TableSpec spec = store.tables().get(t);
      long[] ids = new long[(int) spec.idSpace()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
      }
      float[] rows = new float[ids.length * spec.dim()];
      store.lookup(t, ids, ids.length, rows);
      out.add(rows);
    }
    return out;
  }

  private static void assertSameRows(List<float[]> expected, EmbeddingStore actual, String what) {
    List<float[]> got = allRows(actual);
    for (int t = 0; t < expected.size(); t++) {
      ShardFixtures.assertBits(expected.get(t), got.get(t), what + ", table " + t);
    }
  }

  private String dir(String name) {
    return tmp.resolve(name).toUri().toString();
  }

  @Test
  void aCheckpointOfTwoShardsRestoresOntoThreeOntoOneAndOntoTwoContinuingExactly() throws Exception {
    AeronShardedStore two = shards(2);
    InProcessEmbeddingStore reference = new InProcessEmbeddingStore(specs());
    open.add(reference);
    ShardFixtures.sameRows(reference, two, 4, 120, 7);
    List<PartFile> parts = two.checkpoint(dir("c1"), 4, false);
    assertThat(parts).extracting(PartFile::shard).containsExactly(0, 1);
    assertThat(parts).allSatisfy(p -> {
      assertThat(p.shards()).isEqualTo(2);
      assertThat(p.delta()).isFalse();
      Path file = Path.of(java.net.URI.create(p.uri()));
      assertThat(file.getFileName().toString()).isEqualTo("embeddings-part-" + p.shard() + "-of-2.bin");
      assertThat(Files.size(file)).isEqualTo(p.bytes());
      assertThat(dev.tandem.fs.Checksums.sha256(Files.readAllBytes(file))).isEqualTo(p.sha256());
    });
    try (var dirs = Files.list(tmp.resolve("c1"))) {
      assertThat(dirs.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("embeddings-part-0-of-2.bin", "embeddings-part-1-of-2.bin");
    }
    List<float[]> expected = allRows(two);

    AeronShardedStore three = shards(3);
    three.restore(parts);
    assertSameRows(expected, three, "restored onto 3 shards");
    assertThat(three.shardStats()).allSatisfy(s -> assertThat(s.rows()).isPositive());

    AeronShardedStore one = shards(1);
    one.restore(parts);
    assertSameRows(expected, one, "restored onto 1 shard");
    assertThat(one.stats(0).rows() + one.stats(1).rows()).isEqualTo(reference.stats(0).rows() + reference.stats(1).rows());

    // onto the same number of shards, training continues exactly as the written shards do
    AeronShardedStore again = shards(2);
    again.restore(parts);
    ShardFixtures.sameRows(two, again, 3, 120, 8);
  }

  @Test
  void aDeltaAfterAFullRestoresTheRowsOfAFullAtThatMoment() throws Exception {
    AeronShardedStore two = shards(2);
    InProcessEmbeddingStore reference = new InProcessEmbeddingStore(specs());
    open.add(reference);
    ShardFixtures.sameRows(reference, two, 3, 100, 9);
    List<PartFile> full = two.checkpoint(dir("full"), 3, false);
    ShardFixtures.sameRows(reference, two, 3, 100, 10); // more steps: changed rows and new ids
    List<PartFile> delta = two.checkpoint(dir("delta"), 6, true);
    assertThat(delta).allSatisfy(p -> {
      assertThat(p.delta()).isTrue();
      assertThat(p.uri()).endsWith("embeddings-part-" + p.shard() + "-of-2.delta.bin");
    });
    List<PartFile> fullNow = two.checkpoint(dir("full-now"), 6, false);
    List<float[]> expected = allRows(two);

    List<PartFile> fullThenDelta = new ArrayList<>(full);
    fullThenDelta.addAll(delta);
    AeronShardedStore fromDelta = shards(3);
    fromDelta.restore(fullThenDelta);
    assertSameRows(expected, fromDelta, "full + delta onto 3 shards");
    AeronShardedStore fromFull = shards(3);
    fromFull.restore(fullNow);
    assertSameRows(expected, fromFull, "full at the same step onto 3 shards");
    for (int t = 0; t < 2; t++) {
      assertThat(fromDelta.stats(t).rows()).isEqualTo(fromFull.stats(t).rows());
    }
  }

  @Test
  void aCorruptedPartIsRefusedNamingIt() throws Exception {
    AeronShardedStore two = shards(2);
    InProcessEmbeddingStore reference = new InProcessEmbeddingStore(specs());
    open.add(reference);
    ShardFixtures.sameRows(reference, two, 2, 80, 11);
    List<PartFile> parts = two.checkpoint(dir("c"), 2, false);
    Path damaged = Path.of(java.net.URI.create(parts.get(1).uri()));
    byte[] b = Files.readAllBytes(damaged);
    b[b.length / 2] ^= 0x40;
    Files.write(damaged, b);
    AeronShardedStore target = shards(2);
    // parts are streamed: the damaged chunk fails its own checksum while it is read
    assertThatThrownBy(() -> target.restore(parts))
        .isInstanceOf(ShardFailedException.class)
        .hasMessageContaining("embeddings-part-1-of-2.bin")
        .hasMessageContaining("fails its checksum");
    // an intact part that is not the one the manifest recorded fails the SHA-256 the manifest holds
    List<PartFile> fresh = two.checkpoint(dir("d"), 2, false);
    PartFile p0 = fresh.get(0);
    List<PartFile> swapped = List.of(new PartFile(p0.uri(), p0.shard(), p0.shards(), p0.delta(), p0.bytes(), fresh.get(1).sha256()),
        fresh.get(1));
    AeronShardedStore third = shards(2);
    assertThatThrownBy(() -> third.restore(swapped))
        .isInstanceOf(ShardFailedException.class)
        .hasMessageContaining("embeddings-part-0-of-2.bin")
        .hasMessageContaining("checksum mismatch");
    // a part that matches its checksum but is not a part at all is refused by the loader, naming it too
    Path bogus = tmp.resolve("c/embeddings-part-0-of-1.bin");
    byte[] junk = "not a part".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Files.write(bogus, junk);
    AeronShardedStore other = shards(1);
    assertThatThrownBy(() -> other.restore(List.of(new PartFile(bogus.toUri().toString(), 0, 1, false, junk.length,
        dev.tandem.fs.Checksums.sha256(junk)))))
        .isInstanceOf(ShardFailedException.class)
        .hasMessageContaining("embeddings-part-0-of-1.bin");
  }
}
