package dev.tandem.ps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.testing.NewerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traffic files written by a newer Tandem (with a field this version does not know) still aggregate. */
class TrafficFilesTest {
  @TempDir
  Path dir;

  private void node(String name, long sent, long dense) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node", name);
    m.put("updates_sent", 3);
    m.put("updates_received", 4);
    m.put("bytes_sent", sent);
    m.put("bytes_received", sent / 2);
    m.put("dense_bytes_equivalent", dense);
    Files.write(dir.resolve(name + ".json"), Persisted.write(m, TrafficMeter.FORMAT));
    NewerFiles.addUnknownField(dir.resolve(name + ".json"));
  }

  @Test
  void aggregatesFilesWithAnAddedField() throws Exception {
    node("executor-0", 1000, 100_000);
    node("executor-1", 3000, 100_000);
    node("driver", 500, 0);
    Map<String, Map<String, Object>> nodes = TrafficReport.read(Fs.path(dir.toString()));
    assertThat(nodes).containsOnlyKeys("executor-0", "executor-1", "driver");
    assertThat(nodes.get("executor-1")).containsEntry("bytes_sent", 3000).containsKey(NewerFiles.FIELD);
    Map<String, Object> report = TrafficReport.aggregate(nodes);
    @SuppressWarnings("unchecked")
    Map<String, Object> totals = (Map<String, Object>) report.get("totals");
    assertThat(totals).containsEntry("bytes_sent", 4000L).containsEntry("dense_bytes_equivalent", 200_000L);
    assertThat(report.get("compression_ratio")).isEqualTo(50.0);
  }
}
