package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem drift} on MovieLens-100k with the current data given as the raw log through a job's dataset section
 * (skipped when ../shared/data/ml-100k is absent).
 */
class MovieLensDriftTest {
  @TempDir
  Path dir;

  @Test
  void theTestMonthsOfMovieLensAgainstItsTrainMonths() throws Exception {
    Path ml = TestData.movieLens();
    Path job = TestData.write(dir, "ml.yaml", "name: ml\ndataset:\n" + TestData.movieLensYaml(ml).indent(2));
    CliRunner.Result prep = CliRunner.run("data", "prepare", "--config", job.toString(), "--out", dir.resolve("ml").toString());
    assertThat(prep.exit()).as(prep.err()).isZero();
    CliRunner.Result r = CliRunner.run("drift", "--reference", dir.resolve("ml").toString(), "--job", job.toString(), "--cache",
        dir.resolve("cache").toString(), "--out", dir.resolve("report").toString());
    assertThat(r.exit()).as(r.out() + r.err()).isBetween(0, 2);
    JsonNode json = Persisted.readTree(Files.readAllBytes(dir.resolve("report/drift.json")), 1, "drift.json");
    assertThat(json.get("events").get("reference").asDouble()).isEqualTo(80_000);
    assertThat(json.get("events").get("current").asDouble()).isEqualTo(10_000);
    assertThat(json.get("features")).hasSize(7);
    assertThat(json.get("status").asText()).isEqualTo(new String[] {"ok", "warn", "alert"}[r.exit()]);
    assertThat(r.out()).contains("genres").contains("release_decade");
  }
}
