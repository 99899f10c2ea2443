package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.testing.NewerFiles;
import dev.tandem.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prepared dataset whose files a newer Tandem wrote (each with a field this version does not know) still opens and
 * reads: the manifest, summary, profile, feature transform and the JSON header of every shard and entity table.
 */
class ForwardCompatibilityTest {
  @TempDir
  Path dir;

  @Test
  void everyPersistedFileOfADatasetToleratesAnAddedField() throws Exception {
    StringBuilder sb = new StringBuilder("u,i,t,r\n");
    for (int k = 0; k < 300; k++) {
      sb.append(k % 11).append(',').append(k % 7).append(',').append(1_600_000_000 + k).append(',').append(k % 5).append('\n');
    }
    TestData.write(dir, "e.csv", sb.toString());
    PreparedDataset original = Prepare.dataset("""
        source:
          format: events
          events: {path: e.csv}
          columns: {user_id: u, item_id: i, timestamp: t, rating: r}
        label: "rating >= 4"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
        """, dir, dir.resolve("ds").toString());
    Path ds = dir.resolve("ds");
    long trainRows = original.size(SplitName.TRAIN);

    NewerFiles.addUnknownField(ds.resolve("summary.json"));
    byte[] transform = NewerFiles.addUnknownField(ds.resolve("transform.json"));
    byte[] profile = NewerFiles.addUnknownField(ds.resolve("profile.json"));
    // a newer Tandem records the checksums of the files it wrote
    ObjectNode manifest = (ObjectNode) Persisted.json().readTree(Files.readAllBytes(ds.resolve("dataset.json")));
    ((ObjectNode) manifest.get("files")).put("transform.json", Checksums.sha256(new String(transform, StandardCharsets.UTF_8)));
    ((ObjectNode) manifest.get("files")).put("profile.json", Checksums.sha256(profile));
    Files.write(ds.resolve("dataset.json"), NewerFiles.addUnknownField(Persisted.json().writeValueAsBytes(manifest)));
    try (var files = Files.walk(ds)) {
      for (Path tds : files.filter(p -> p.toString().endsWith(".tds")).toList()) {
        Files.write(tds, withUnknownHeaderField(Files.readAllBytes(tds)));
      }
    }

    PreparedDataset reopened = PreparedDataset.open(ds.toString());
    assertThat(reopened.fingerprint()).isEqualTo(original.fingerprint());
    assertThat(reopened.transform()).isEqualTo(original.transform());
    assertThat(reopened.summary().rowsKept()).isEqualTo(original.summary().rowsKept());
    assertThat(reopened.profile().splits()).containsOnlyKeys(original.profile().splits().keySet());
    assertThat(reopened.users().ids()).isEqualTo(original.users().ids());
    long read = 0;
    for (ColumnFile.Written shard : reopened.shards(SplitName.TRAIN)) {
      read += reopened.read(SplitName.TRAIN, shard).size();
    }
    assertThat(read).isEqualTo(trainRows);
  }

  /** A column file whose JSON header carries an extra field, with the header length and checksum rewritten to match. */
  static byte[] withUnknownHeaderField(byte[] file) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen = b.getInt(8);
    byte[] header = new byte[headerLen];
    System.arraycopy(file, 16, header, 0, headerLen);
    byte[] newHeader = NewerFiles.addUnknownField(header);
    CRC32C crc = new CRC32C();
    crc.update(newHeader);
    ByteBuffer out = ByteBuffer.allocate(file.length - headerLen + newHeader.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(file, 0, 8).putInt(newHeader.length).putInt((int) crc.getValue()).put(newHeader);
    out.put(file, 16 + headerLen, file.length - 16 - headerLen);
    return out.array();
  }
}
