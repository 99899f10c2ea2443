package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.serving.RecommendationPath;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feedback flows into a prepared dataset: the feedback log a server wrote, prepared with the documented example job. */
class FeedbackDatasetTest {
  @TempDir
  Path dir;

  @Test
  void theFeedbackLogIsPreparedWithTheExampleJob() throws Exception {
    Path fb = dir.resolve("experiments/ab1/feedback");
    long t0 = 1_717_200_000L;
    int clicks = 0;
    int watches = 0;
    // two server starts: two segments of the log
    for (int start = 0; start < 2; start++) {
      try (Tracking t = Tracking.open(Fs.path(dir.resolve("experiments/ab1/impressions").toString()), Fs.path(fb.toString()),
          ServingConfig.defaults().impressions(), "ab1", 0.5)) {
        for (int n = 0; n < 300; n++) {
          int u = (n * 7 + start) % 40;
          List<String> items = List.of("i" + n % 25, "i" + (n + 3) % 25, "i" + (n + 11) % 25);
          Recommendations r = t.logged(new Recommendations("recs", 1, "u" + u, RecommendationPath.KNOWN, items, List.of(0.9, 0.5, 0.1),
              List.of(), false, List.of(), new Recommendations.Explanation(Map.of(), "exact", 3, 0, false, List.of(), 0, Map.of()))
              .withArm(u % 2 == 0 ? "control" : "challenger"));
          long time = t0 + 60L * (start * 300 + n);
          StringBuilder body = new StringBuilder("[{\"request_id\": \"" + r.requestId() + "\", \"item\": \"" + items.get(n % 3)
              + "\", \"event\": \"click\", \"time\": " + time + "}");
          clicks++;
          if (n % 4 == 0) {
            body.append(", {\"request_id\": \"" + r.requestId() + "\", \"item\": \"" + items.get(0) + "\", \"event\": \"watch\", \"value\": 41,"
                + " \"time\": " + (time + 30) + "}");
            watches++;
          }
          t.feedback(body.append("]").toString().getBytes(StandardCharsets.UTF_8), time);
        }
      }
      Thread.sleep(2); // segment names start with the start time in milliseconds
    }
    Path out = dir.resolve("prepared");
    CliRunner.Result r = CliRunner.run("data", "prepare", "--config", TestData.repositoryRoot().resolve("examples/feedback-events.yaml").toString(),
        "--set", "dataset.source.events.path=" + fb, "--out", out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    PreparedDataset ds = PreparedDataset.open(out.toString());
    assertThat(ds.summary().rowsRead()).isEqualTo(clicks + watches);
    assertThat(ds.summary().rowsKept()).isEqualTo(clicks + watches);
    assertThat(ds.sizes().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(clicks + watches);
    assertThat(ds.users().size()).isEqualTo(40);
    assertThat(ds.items().size()).isEqualTo(25);

    // what users were shown, clicked or not: the exposure log, prepared with its example job
    Path exposures = dir.resolve("exposures.csv");
    CliRunner.Result x = CliRunner.run("ab", "exposures", "--dir", dir.resolve("experiments/ab1").toString(), "--out", exposures.toString());
    assertThat(x.exit()).as(x.err()).isZero();
    assertThat(x.out()).contains("600 impressions, 1,800 rows");
    List<String> rows = java.nio.file.Files.readAllLines(exposures);
    assertThat(rows.get(0)).isEqualTo(dev.tandem.serving.experiment.Exposures.HEADER);
    assertThat(rows.stream().skip(1).filter(l -> l.split(",")[9].equals("1")).count()).isEqualTo(clicks); // one click per answer
    assertThat(rows.stream().skip(1).filter(l -> l.split(",")[10].equals("41")).count()).isEqualTo(watches);
    Path out2 = dir.resolve("exposures-prepared");
    CliRunner.Result r2 = CliRunner.run("data", "prepare", "--config", TestData.repositoryRoot().resolve("examples/exposures-events.yaml").toString(),
        "--set", "dataset.source.events.path=" + exposures, "--out", out2.toString());
    assertThat(r2.exit()).as(r2.err()).isZero();
    PreparedDataset shown = PreparedDataset.open(out2.toString());
    assertThat(shown.summary().rowsKept()).isEqualTo(1800);
  }
}
