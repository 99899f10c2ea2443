package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retraining loop on synthetic data with a cohort of new items planted at day 28: the backtest's drift alerts on
 * the first window after it, the gated policy never promotes a model that did worse on the window it was judged on,
 * and after the shift it serves better than never retraining. Then {@code tandem retrain} on the same log: a cycle
 * runs once, a second run of it changes nothing, and the next cycle is decided with its evidence in the log.
 */
class RetrainLoopTest {
  @TempDir
  Path dir;

  private Path config(String shift) throws Exception {
    Files.writeString(dir.resolve("job.yaml"), """
        name: synth-loop
        seed: 3
        dataset:
          source: {format: synthetic, users: 400, items: 200, events: 20000, days: 49, seed: 11, dir: raw%s}
          label: "watch_seconds >= 30"
          features:
            - {name: user_id, entity: user, kind: categorical}
            - {name: item_id, entity: item, kind: categorical}
            - {name: category, entity: item, kind: categorical}
            - {name: duration, entity: item, source: duration_s, kind: numeric, log: true}
            - {name: device, entity: context, kind: categorical}
        model: {type: ranking, architecture: dcn, embedding_dim: 8, hidden: [32], cross_layers: 1}
        train: {epochs: 2, batch_size: 512, learning_rate: 0.005, baseline_epochs: 1, checkpoint_every: 1000}
        """.formatted(shift));
    Path cfg = dir.resolve("retrain.yaml");
    Files.writeString(cfg, """
        name: synth-loop
        job: job.yaml
        window: {every: 7d}
        gate: {bootstrap: 100, max_latency_ms: 200}
        registry: {uri: registry, name: synth, alias: production}
        """);
    return cfg;
  }

  @Test
  void aPlantedCohortAlertsWithinOneCycleAndTheGateRecoversWithoutPromotingWorseModels() throws Exception {
    Path cfg = config(", shift: {day: 28, kind: new_items, strength: 0.3}");
    Path out = dir.resolve("bt");
    // cycles end on days 28, 35, 42, 49; the shift starts the window of day 35
    CliRunner.Result r = CliRunner.run("backtest", "--config", cfg.toString(), "--from", "2024-01-22", "--to", "2024-02-19",
        "--state", dir.resolve("state-bt").toString(), "--out", out.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    org.apache.logging.log4j.LogManager.getLogger(RetrainLoopTest.class).info("backtest:\n{}", r.out());
    JsonNode bt = Persisted.readTree(Files.readAllBytes(out.resolve("backtest.json")), 1, "backtest.json");
    List<JsonNode> cycles = new ArrayList<>();
    bt.get("cycles").forEach(cycles::add);
    assertThat(cycles).hasSize(4);
    assertThat(cycles.get(0).get("drift").asText()).as("before the shift").isNotEqualTo("alert");
    assertThat(cycles.get(1).get("drift").asText()).as("the first window after the shift").isEqualTo("alert");
    for (JsonNode c : cycles) {
      JsonNode d = c.get("gated");
      if (d != null && !d.isNull() && d.get("decision").asText().equals("promote")) {
        assertThat(d.get("challenger_metrics").get("auc").asDouble()).as("promoted at " + c.get("cycle"))
            .isGreaterThan(d.get("champion_metrics").get("auc").asDouble());
      }
    }
    JsonNode last = cycles.get(3).get("serving");
    assertThat(last.get("gated").asDouble()).as("after the shift, gated against never: " + r.out()).isGreaterThan(last.get("never").asDouble());
    assertThat(out.resolve("backtest.png")).exists();
    assertThat(r.out()).contains("never").contains("gated");

    // tandem retrain on the same state: the models the backtest trained are reused, not trained again
    String state = dir.resolve("state-bt").toString();
    Path models = dir.resolve("state-bt/models");
    long modelsBefore = Files.list(models).count();
    CliRunner.Result first = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-02-05");
    assertThat(first.exit()).as(first.out() + first.err()).isZero();
    assertThat(first.out()).contains("decision: INITIAL").contains("cycle decided");
    Path championFile = dir.resolve("state-bt/champion.json");
    byte[] afterFirst = Files.readAllBytes(championFile);
    CliRunner.Result again = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-02-05");
    assertThat(again.out()).contains("had been decided before");
    assertThat(Files.readAllBytes(championFile)).as("a decided cycle changes nothing").isEqualTo(afterFirst);

    // a cycle killed while its challenger trained (SIGKILL leaves run.json at "running") and after its drift step
    // (the backtest wrote this cycle's drift.json): running it again resumes the run and reuses the drift report
    Path cycle = dir.resolve("state-bt/cycles/20240212T000000Z");
    Path runJson = models.resolve("m-20240205T000000Z/run.json");
    Files.writeString(runJson, Files.readString(runJson).replace("\"finished\"", "\"running\""));
    long driftWritten = Files.getLastModifiedTime(cycle.resolve("drift.json")).toMillis();
    CliRunner.Result second = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-02-12");
    assertThat(second.exit()).as(second.out() + second.err()).isZero();
    assertThat(Files.readString(runJson)).contains("\"finished\"");
    assertThat(Files.getLastModifiedTime(cycle.resolve("drift.json")).toMillis()).isEqualTo(driftWritten);
    JsonNode decision = Persisted.readTree(Files.readAllBytes(cycle.resolve("decision.json")), 1, "decision.json");
    assertThat(decision.get("decision").asText()).isIn("promote", "keep");
    assertThat(decision.get("difference").get("lo").asDouble()).isLessThanOrEqualTo(decision.get("difference").get("hi").asDouble());
    assertThat(decision.get("guardrails")).hasSize(4);
    assertThat(decision.get("concept").get("status").asText()).isIn("ok", "alert");
    assertThat(cycle.resolve("drift.json")).exists();
    assertThat(cycle.resolve("drift.html")).exists();
    assertThat(Files.list(models).count()).isEqualTo(modelsBefore);

    // killed after the decision was written but before the champion moved: running the cycle again finishes it
    Files.write(championFile, afterFirst);
    CliRunner.Result resumed = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-02-12");
    assertThat(resumed.out()).contains("had been decided before");
    JsonNode champion = Persisted.readTree(Files.readAllBytes(championFile), 1, "champion.json");
    assertThat(champion.get("history")).hasSize(2);
    assertThat(champion.get("model").asText()).isEqualTo(decision.get("serving").asText());
    // the registry alias followed: a version per promoted model, one log entry per decision with its evidence, not twice
    String reg = dir.resolve("registry").toString();
    CliRunner.Result shown = CliRunner.run("registry", "show", reg + "/synth@production");
    assertThat(shown.exit()).as(shown.out() + shown.err()).isZero();
    assertThat(shown.out()).contains("log of production (2 entries)").contains("cycle 2024-02-05T00:00:00Z")
        .contains("cycle 2024-02-12T00:00:00Z").contains("no champion yet").contains(decision.get("decision").asText());
    assertThat(CliRunner.run("registry", "list", reg, "synth").out()).contains(decision.get("decision").asText().equals("promote") ? "v2" : "v1");
    CliRunner.Result serve = CliRunner.run("recommend", "--model", reg + "/synth@production", "--user", "u1");
    assertThat(serve.exit()).isEqualTo(2);
    assertThat(serve.err()).contains("holds no retrieval model");
    CliRunner.Result show = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--show");
    assertThat(show.out()).contains("2024-02-05T00:00:00Z").contains("2024-02-12T00:00:00Z").contains("initial");
    // prediction drift with tandem drift --model: a loop model's scores on its training data against the weeks after
    Path run = models.resolve("m-20240205T000000Z");
    String data = Persisted.json().readTree(run.resolve("run.json").toFile()).get("dataset_path").asText();
    CliRunner.Result pd = CliRunner.run("drift", "--reference", data, "--reference-split", "train", "--current", data, "--model", run.toString(),
        "--out", dir.resolve("pd").toString());
    assertThat(pd.exit()).as(pd.out() + pd.err()).isBetween(0, 2);
    JsonNode prediction = Persisted.readTree(Files.readAllBytes(dir.resolve("pd/drift.json")), 1, "drift.json").get("prediction");
    assertThat(prediction.get("kind").asText()).isEqualTo("score");
    assertThat(prediction.get("bins")).hasSize(10);
    assertThat(pd.out()).contains("prediction");

    CliRunner.Result backwards = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-02-08");
    assertThat(backwards.exit()).isEqualTo(2);
    assertThat(backwards.err()).contains("cycles run forward in time");

    // past the end of the log: no events to judge on, so the champion stays and the report says why
    CliRunner.Result quiet = CliRunner.run("retrain", "--config", cfg.toString(), "--state", state, "--at", "2024-06-01");
    assertThat(quiet.exit()).as(quiet.out() + quiet.err()).isZero();
    assertThat(quiet.out()).contains("no drift check").contains("decision: KEEP").contains("the window has no events");
  }
}
