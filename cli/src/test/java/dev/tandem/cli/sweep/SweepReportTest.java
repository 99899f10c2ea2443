package dev.tandem.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.tandem.trainer.tune.sweep.SweepConfig;
import dev.tandem.trainer.tune.sweep.SweepState;
import dev.tandem.trainer.tune.sweep.TrialRecord;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leaderboard's files, and its HTML page as headless Chromium renders it. */
class SweepReportTest {
  @TempDir
  Path dir;

  static final String SWEEP = """
      name: rendered
      base: job.yaml
      space:
        train.learning_rate: {type: loguniform, low: 0.001, high: 0.1}
        model.hidden: {type: choice, values: [[16], [32, 16]]}
      objective: {metric: recall@10}
      budget: {max_trials: 6}
      scheduler: {type: asha, min_epochs: 1, eta: 3}
      """;

  static TrialRecord trial(int i, TrialRecord.Status status, double lr, JsonNode hidden, List<Double> curve, String error) {
    Map<String, JsonNode> params = new java.util.LinkedHashMap<>();
    params.put("train.learning_rate", DoubleNode.valueOf(lr));
    params.put("model.hidden", hidden);
    TrialRecord t = TrialRecord.create(i, params, "2026-01-01T00:00:00Z").launched(100 + i, "host", "2026-01-01T00:00:01Z");
    Double best = curve.stream().max(Double::compare).orElse(null);
    t = t.progressed(curve.size(), best, best == null ? null : curve.indexOf(best) + 1, curve);
    return t.end(status, "2026-01-01T00:01:00Z", 60, status == TrialRecord.Status.STOPPED ? "ASHA: stopped at rung 1" : null, error);
  }

  static SweepReport report() {
    SweepConfig cfg = SweepConfig.parse(SWEEP, "sweep.yaml", ".").value();
    JsonNode small = cfg.space().get("model.hidden").values().get(0);
    JsonNode big = cfg.space().get("model.hidden").values().get(1);
    List<TrialRecord> trials = new ArrayList<>();
    trials.add(trial(1, TrialRecord.Status.COMPLETED, 0.003, small, List.of(0.05, 0.08, 0.09, 0.095), null));
    trials.add(trial(2, TrialRecord.Status.STOPPED, 0.09, big, List.of(0.02), null));
    trials.add(trial(3, TrialRecord.Status.COMPLETED, 0.01, big, List.of(0.06, 0.11, 0.12, 0.118), null));
    trials.add(trial(4, TrialRecord.Status.FAILED, 0.002, small, List.of(), "invalid job: model.hidden: <script>alert(1)</script>"));
    trials.add(trial(5, TrialRecord.Status.COMPLETED, 0.0015, big, List.of(0.04, 0.07, 0.085, 0.1), null));
    SweepState s = new SweepState(SweepState.FORMAT, "rendered", "x", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z", "finished", 300, 1,
        trials, null);
    return new SweepReport(s, cfg);
  }

  @Test
  void trialsAreRankedByTheObjective() {
    SweepReport r = report();
    assertThat(r.ranked().stream().map(TrialRecord::id)).containsExactly("0003", "0005", "0001", "0002", "0004");
    assertThat(r.best().orElseThrow().id()).isEqualTo("0003");
    assertThat(r.rankOf(r.ranked().get(4))).isZero();
    String csv = r.csv();
    assertThat(csv.lines().toList()).hasSize(6);
    assertThat(csv.lines().toList().get(1)).startsWith("1,0003,completed,0.12,3,4,");
    // a parameter value holding a comma is quoted
    assertThat(csv).contains("\"[32,16]\"");
  }

  @Test
  void logAxesAreLabelledAtOneTwoAndFive() {
    assertThat(SweepReport.logTickLabel(0.002)).isEqualTo("0.002");
    assertThat(SweepReport.logTickLabel(0.005000000000000001)).isEqualTo("0.005");
    assertThat(SweepReport.logTickLabel(100.0)).isEqualTo("100");
    assertThat(SweepReport.logTickLabel(0.007)).isEmpty();
    assertThat(SweepReport.logTickLabel(0.003)).isEmpty();
  }

  /** Finds Chromium; CI must have it (scripts/test installs it). */
  static String chromium() throws Exception {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      Process p = new ProcessBuilder("sh", "-c", "command -v " + name).start();
      String path = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && !path.isEmpty()) {
        return path;
      }
    }
    fail("headless Chromium is needed to check the HTML leaderboard but neither chromium nor chromium-browser is on the PATH:"
        + " install it (apt-get install -y chromium; scripts/test does this)");
    return null;
  }

  static String run(List<String> cmd, Path log) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(p.exitValue()).as("chromium exit code; stderr:\n" + Files.readString(log)).isZero();
    return out;
  }

  @Test
  void theHtmlLeaderboardRendersInHeadlessChromium() throws Exception {
    String browser = chromium();
    org.apache.hadoop.fs.Path html = report().write(dev.tandem.fs.Fs.path(dir.resolve("report").toString()));
    File page = new File(html.toUri().getPath());
    assertThat(page).exists();
    assertThat(dir.resolve("report/leaderboard.csv")).exists();
    assertThat(dir.resolve("report/leaderboard.json")).exists();
    String text = Files.readString(page.toPath());
    assertThat(text).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;");
    assertThat(text).doesNotContainPattern("(src|href)=\"(https?:|//)");

    List<String> common = List.of(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + dir.resolve("profile"));
    Path shot = dir.resolve("leaderboard.png");
    List<String> cmd = new ArrayList<>(common);
    cmd.addAll(List.of("--hide-scrollbars", "--screenshot=" + shot, "--window-size=1200,1400", page.toURI().toString()));
    run(cmd, dir.resolve("screenshot.log"));
    assertThat(shot).exists();
    BufferedImage img = ImageIO.read(shot.toFile());
    assertThat(img.getWidth()).isEqualTo(1200);
    assertThat(img.getHeight()).isEqualTo(1400);
    // a rendered page, not a blank or single-colour one: many colours, and ink in the top half (the table) and below (the plots)
    Set<Integer> colours = new HashSet<>();
    int inkTop = 0;
    int inkBottom = 0;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        colours.add(rgb);
        if (rgb != 0xFFFFFF) {
          if (y < 400) {
            inkTop++;
          } else {
            inkBottom++;
          }
        }
      }
    }
    assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(50);
    assertThat(inkTop).isGreaterThan(2000);
    assertThat(inkBottom).isGreaterThan(2000);

    cmd = new ArrayList<>(common);
    cmd.addAll(List.of("--dump-dom", page.toURI().toString()));
    String dom = run(cmd, dir.resolve("dom.log"));
    assertThat(dom).contains("<table id=\"leaderboard\">", "0003", "completed", "stopped", "failed");
    assertThat(dom.split("<img ", -1).length - 1).as("images: one per parameter and the learning curves").isEqualTo(3);
  }
}
