package dev.tandem.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.train.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The typed metrics write the files they replace byte for byte: the fixtures are a metrics.jsonl and eval-test.json of
 * each model family written by Tandem before metrics were typed (non-finite values as "NaN" strings included), and each
 * reads into its record and writes back unchanged.
 */
class MetricsFilesTest {
  @TempDir
  Path dir;

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = MetricsFilesTest.class.getResourceAsStream("/metrics-files/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void metricsJsonlLinesWriteBackUnchanged() throws Exception {
    for (String name : List.of("metrics-two-tower.jsonl", "metrics-ranking-baseline.jsonl")) {
      String text = new String(fixture(name), StandardCharsets.UTF_8);
      Path copy = dir.resolve(name.replace(".jsonl", ""));
      Files.createDirectories(copy);
      Files.writeString(copy.resolve("metrics.jsonl"), text);
      RunDirectory run = RunDirectory.at(copy.toString());
      List<EpochMetrics> epochs = run.readMetrics();
      assertThat(epochs).isNotEmpty();
      run.writeMetrics(epochs);
      assertThat(Files.readString(copy.resolve("metrics.jsonl"))).as(name).isEqualTo(text);
    }
  }

  @Test
  void aLineReadsIntoItsFields() throws Exception {
    String first = new String(fixture("metrics-ranking-baseline.jsonl"), StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
    EpochMetrics e = Persisted.json().readValue(first, EpochMetrics.class);
    assertThat(e.epoch()).isEqualTo(1);
    assertThat(e.step()).isEqualTo(10);
    assertThat(e.improved()).isTrue();
    assertThat(e.value(Metric.AUC)).isEqualTo(0.7414591317678211);
    assertThat(e.value(Metric.named("expected_calibration_error"))).isNaN();
    assertThat(e.value(Metric.recall(10))).as("a metric validation did not compute").isNaN();
    assertThat(e.extras()).isEmpty();
    assertThat(e.field("learning_rate")).isEqualTo(0.01);
    assertThat(e.field(Metric.AUC.key(SplitName.VALIDATION))).isEqualTo(0.7414591317678211);
  }

  /** A distributed run's extras come last and keep their types: an integer stays one, NaN stays a string. */
  @Test
  void extrasKeepTheirPlaceAndTypes() throws Exception {
    Map<String, Number> extras = new LinkedHashMap<>();
    extras.put("traffic_executors", 2);
    extras.put("traffic_bytes_sent", 1234.0);
    extras.put("traffic_compression_ratio", Double.NaN);
    extras.put("epoch_attempts", 1);
    EpochMetrics e = new EpochMetrics(3, 120, 0.5, Map.of("auc", 0.7), 0.01, 1000.0, 2.5, false, extras);
    String line = Persisted.toJson(e);
    assertThat(line).isEqualTo("{\"epoch\":3,\"step\":120,\"train_loss\":0.5,\"val_auc\":0.7,\"learning_rate\":0.01,"
        + "\"examples_per_second\":1000.0,\"epoch_seconds\":2.5,\"improved\":false,\"traffic_executors\":2,\"traffic_bytes_sent\":1234.0,"
        + "\"traffic_compression_ratio\":\"NaN\",\"epoch_attempts\":1}");
    assertThat(Persisted.toJson(Persisted.json().readValue(line, EpochMetrics.class))).isEqualTo(line);
  }

  @Test
  void evaluationFilesWriteBackUnchanged() throws Exception {
    for (String name : List.of("eval-test-two-tower.json", "eval-test-ranking.json")) {
      byte[] bytes = fixture(name);
      EvaluationResult r = Persisted.read(bytes, EvaluationResult.class, 1, name);
      assertThat(new String(Persisted.write(r, 1), StandardCharsets.UTF_8)).as(name).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  @Test
  void anEvaluationReadsIntoItsParts() throws Exception {
    EvaluationResult tt = Persisted.read(fixture("eval-test-two-tower.json"), EvaluationResult.class, 1, "tt");
    assertThat(tt.model()).isEqualTo("two_tower");
    assertThat(tt.split()).isEqualTo("test");
    assertThat(tt.scores().values()).doesNotContainKey("format").containsKey("recall@20");
    assertThat(tt.scores().groups()).containsOnlyKeys("warm", "cold");
    assertThat(tt.scores().groups().get("cold").values()).containsEntry("users", 1.0);
    assertThat(tt.baseline().name()).isEqualTo("popularity");
    assertThat(tt.baseline().checkpoint()).isNull();
    assertThat(tt.scores().calibration()).isEmpty();

    EvaluationResult rk = Persisted.read(fixture("eval-test-ranking.json"), EvaluationResult.class, 1, "rk");
    assertThat(rk.model()).startsWith("ranking/");
    assertThat(rk.baseline().name()).isEqualTo("logistic_regression");
    assertThat(rk.baseline().checkpoint()).startsWith("ckpt-");
    assertThat(rk.scores().calibration()).hasSize(10);
    assertThat(rk.baseline().scores().calibration().get(9).meanPredicted()).as("an empty bin").isNaN();
    assertThat(rk.scores().groups()).isEmpty();
    assertThat(rk.beatsBaseline()).containsEntry("auc", true);
    assertThat(rk.beatsBaselineEverywhere()).isTrue();
  }
}
