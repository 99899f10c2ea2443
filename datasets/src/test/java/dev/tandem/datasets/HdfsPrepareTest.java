package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.testing.MiniHdfsExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Raw data on HDFS prepares to HDFS (a real NameNode and two DataNodes), and corruption there is caught too. */
class HdfsPrepareTest {
  @RegisterExtension
  static final MiniHdfsExtension HDFS = new MiniHdfsExtension();

  @Test
  void preparesFromAndToHdfs() throws Exception {
    String root = HDFS.uri() + "/data";
    StringBuilder sb = new StringBuilder("userId,movieId,rating,timestamp\n");
    for (int k = 0; k < 2000; k++) {
      sb.append(k % 97).append(',').append(k % 31).append(',').append(k % 5 + 1).append(',').append(1_700_000_000 + k).append('\n');
    }
    FileSystem fs = Fs.fs(Fs.path(root));
    try (FSDataOutputStream out = fs.create(Fs.path(root + "/ratings.csv"))) {
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
    String yaml = """
        source:
          format: events
          events: {path: %s/ratings.csv}
          columns: {user_id: userId, item_id: movieId, timestamp: timestamp, rating: rating}
        label: "rating >= 4"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
        """.formatted(root);
    ConfigLoader.Loaded<DatasetConfig> cfg = ConfigLoader.parse(yaml, "hdfs.yaml", root, DatasetConfig.class, List.of());
    String out = root + "/prepared";
    PreparedDataset ds = new DatasetPreparer(cfg.value(), cfg.tree(), root, root + "/cache", Progress.NONE).prepare(Fs.path(out), false);
    assertThat(ds.dir().toString()).startsWith("hdfs://");
    assertThat(ds.summary().splits()).containsEntry("train", 1600L);
    assertThat(ds.manifest().inputs().get(0).path()).startsWith("hdfs://");
    PreparedDataset reopened = PreparedDataset.open(out);
    assertThat(reopened.read(SplitName.TRAIN).size()).isEqualTo(1600);
    assertThat(fs.getFileStatus(Fs.path(out + "/train/part-00000.tds")).getReplication()).isEqualTo((short) 2);
    assertThat(fs.listStatus(Fs.path(root))).noneMatch(st -> st.getPath().getName().startsWith("._tmp"));

    // overwrite a shard on HDFS with altered bytes: refused on read
    byte[] bytes = Fs.readAll(Fs.path(out + "/test/part-00000.tds"));
    bytes[bytes.length - 1] ^= 1;
    try (FSDataOutputStream o = fs.create(Fs.path(out + "/test/part-00000.tds"), true)) {
      o.write(bytes);
    }
    assertThatThrownBy(() -> reopened.read(SplitName.TEST))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("hdfs://")
        .hasMessageContaining("checksum");
  }
}
