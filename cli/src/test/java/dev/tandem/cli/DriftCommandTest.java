package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem drift} on prepared synthetic data, with and without a planted shift: table, drift.json, drift.html, exit codes. */
class DriftCommandTest {
  @TempDir
  Path dir;

  private Path prepare(String name, String shift) throws Exception {
    Path job = dir.resolve(name + ".yaml");
    Files.writeString(job, """
        name: %s
        dataset:
          source: {format: synthetic, users: 800, items: 300, events: 30000, days: 42, seed: 5, dir: raw-%s%s}
          label: "watch_seconds >= 30"
          split: {train_end: "2024-01-29", validation_end: "2024-02-05", test_end: "2024-02-12"}
          features:
            - {name: user_id, entity: user, kind: categorical}
            - {name: item_id, entity: item, kind: categorical}
            - {name: category, entity: item, kind: categorical}
            - {name: duration, entity: item, source: duration_s, kind: numeric, log: true}
            - {name: device, entity: context, kind: categorical}
        """.formatted(name, name, shift));
    CliRunner.Result r = CliRunner.run("data", "prepare", "--config", job.toString(), "--out", dir.resolve(name).toString());
    assertThat(r.exit()).as(r.err()).isZero();
    return dir.resolve(name);
  }

  @Test
  void aPlantedShiftAlertsWithExitCode2AndWritesJsonAndHtml() throws Exception {
    Path shifted = prepare("shifted", ", shift: {day: 35, kind: popularity}"); // 2024-02-05: the test week
    Path out = dir.resolve("report");
    CliRunner.Result r = CliRunner.run("drift", "--reference", shifted.toString(), "--reference-split", "validation", "--current",
        shifted.toString(), "--current-split", "test", "--out", out.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.out()).contains("item_id").contains("drift: ALERT");
    JsonNode json = Persisted.readTree(Files.readAllBytes(out.resolve("drift.json")), 1, "drift.json");
    assertThat(json.get("status").asText()).isEqualTo("alert");
    assertThat(json.get("thresholds").get("psi").get("alert").asDouble()).isEqualTo(0.25);
    assertThat(json.get("features").size()).isEqualTo(5);
    String html = Files.readString(out.resolve("drift.html"));
    assertThat(html).contains("data:image/png;base64,").contains("item_id");

    Path plain = shifted;
    CliRunner.Result calm = CliRunner.run("drift", "--reference", plain.toString(), "--reference-split", "validation", "--current",
        plain.toString(), "--current-split", "validation", "--out", dir.resolve("calm").toString());
    assertThat(calm.exit()).as("a split against itself: " + calm.out() + calm.err()).isZero();
    assertThat(calm.out()).contains("drift: OK");

    Path strict = dir.resolve("strict.yaml");
    Files.writeString(strict, "psi: {warn: 0.0, alert: 0.0}\n");
    CliRunner.Result all = CliRunner.run("drift", "--reference", plain.toString(), "--reference-split", "validation", "--current",
        plain.toString(), "--thresholds", strict.toString(), "--out", dir.resolve("strict").toString());
    assertThat(all.exit()).as("every feature alerts at a zero threshold").isEqualTo(2);

    Files.writeString(strict, "psi: {warn: 0.3, alert: 0.1}\n");
    CliRunner.Result bad = CliRunner.run("drift", "--reference", plain.toString(), "--current", plain.toString(), "--thresholds",
        strict.toString());
    assertThat(bad.exit()).as("bad input is not a verdict").isEqualTo(3);
    assertThat(bad.err()).contains("psi.alert");
  }
}
