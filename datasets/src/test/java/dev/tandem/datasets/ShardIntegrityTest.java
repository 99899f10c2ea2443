package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard that does not read back exactly as written is refused with a clear error. */
class ShardIntegrityTest {
  @TempDir
  Path dir;

  private PreparedDataset prepared() throws Exception {
    StringBuilder sb = new StringBuilder("u,i,t,r\n");
    for (int k = 0; k < 400; k++) {
      sb.append(k % 13).append(',').append(k % 17).append(',').append(1_600_000_000 + k).append(',').append(k % 5).append('\n');
    }
    TestData.write(dir, "e.csv", sb.toString());
    return Prepare.dataset("""
        source:
          format: events
          events: {path: e.csv}
          columns: {user_id: u, item_id: i, timestamp: t, rating: r}
        label: "rating >= 4"
        features:
          - {name: user_id, entity: user, kind: categorical}
        """, dir, dir.resolve("ds").toString());
  }

  @Test
  void roundTripsEveryColumnType() {
    byte[] bytes = new ColumnFile.Builder("test", 3)
        .ints("a", new int[] {1, -2, 3}, 4)
        .longs("b", new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE})
        .floats("c", new float[] {1.5f, Float.NaN, -0f})
        .intLists("d", new int[] {0, 2, 2, 3}, new int[] {7, 8, 9}, 10)
        .strings("e", new String[] {"é", null, "é"})
        .meta("k", "v")
        .toBytes();
    ColumnFile f = ColumnFile.decode("mem", bytes);
    assertThat(f.ints("a")).containsExactly(1, -2, 3);
    assertThat(f.longs("b")).containsExactly(Long.MIN_VALUE, 0, Long.MAX_VALUE);
    assertThat(f.floats("c")[0]).isEqualTo(1.5f);
    assertThat(f.floats("c")[1]).isNaN();
    assertThat(f.intLists("d").offsets()).containsExactly(0, 2, 2, 3);
    assertThat(f.intLists("d").values()).containsExactly(7, 8, 9);
    assertThat(f.strings("e")).containsExactly("é", null, "é");
    assertThat(f.header().meta()).containsEntry("k", "v");
  }

  @Test
  void aFlippedByteIsRefusedNamingTheFile() throws Exception {
    PreparedDataset ds = prepared();
    Path shard = dir.resolve("ds/train/part-00001.tds");
    byte[] b = Files.readAllBytes(shard);
    b[b.length - 5] ^= 0x10;
    Files.write(shard, b);
    ColumnFile.Written w = ds.shards(SplitName.TRAIN).get(1);
    assertThatThrownBy(() -> ds.read(SplitName.TRAIN, w))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("part-00001.tds")
        .hasMessageContaining("payload checksum mismatch");
    // the other shards still read
    assertThat(ds.read(SplitName.TRAIN, ds.shards(SplitName.TRAIN).get(0)).size()).isPositive();
  }

  @Test
  void truncatedHeaderDamagedAndOtherVersionsAreRefused() throws Exception {
    prepared();
    Path shard = dir.resolve("ds/validation/part-00000.tds");
    byte[] good = Files.readAllBytes(shard);
    Files.write(shard, java.util.Arrays.copyOf(good, good.length - 100));
    assertThatThrownBy(() -> ColumnFile.read(dev.tandem.fs.Fs.path(shard.toString())))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("truncated");
    byte[] hdr = good.clone();
    hdr[20] ^= 1;
    assertThatThrownBy(() -> ColumnFile.decode("x.tds", hdr)).isInstanceOf(CorruptDataException.class).hasMessageContaining("header checksum");
    byte[] v2 = good.clone();
    ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 2);
    assertThatThrownBy(() -> ColumnFile.decode("x.tds", v2)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("format 2 was written by a newer Tandem");
    assertThatThrownBy(() -> ColumnFile.decode("x.tds", "not a shard at all".getBytes()))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("not a Tandem column file");
  }

  @Test
  void aValidShardSwappedForAnotherIsRefusedByTheManifest() throws Exception {
    PreparedDataset ds = prepared();
    Files.copy(dir.resolve("ds/train/part-00000.tds"), dir.resolve("ds/train/part-00001.tds"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> ds.read(SplitName.TRAIN))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("does not match the manifest");
  }

  @Test
  void incompleteOrMissingDatasetsAreExplained() throws Exception {
    prepared();
    Files.delete(dir.resolve("ds/dataset.json"));
    assertThatThrownBy(() -> PreparedDataset.open(dir.resolve("ds").toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataset.json is missing");
    assertThatThrownBy(() -> PreparedDataset.open(dir.resolve("nowhere").toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
  }

  @Test
  void trainShardsDivideAmongWorkers() throws Exception {
    PreparedDataset ds = prepared();
    assertThat(ds.shards(SplitName.TRAIN)).hasSize(4);
    long total = 0;
    for (int w = 0; w < 2; w++) {
      for (ColumnFile.Written s : ds.shardsFor(SplitName.TRAIN, w, 2)) {
        total += ds.read(SplitName.TRAIN, s).size();
      }
    }
    assertThat(total).isEqualTo(ds.size(SplitName.TRAIN)).isEqualTo(320);
  }
}
