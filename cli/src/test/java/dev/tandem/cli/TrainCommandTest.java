package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.train.RunDirectory;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
  @TempDir
  Path dir;

  static final String JOB = """
      name: %s
      seed: 5
      dataset:
        source: {format: synthetic, users: 300, items: 150, events: 15000, days: 30, seed: 4}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
      model: %s
      train: {epochs: %d, batch_size: %d, learning_rate: 0.005, checkpoint_every: %d, early_stopping: {patience: 0}}
      """;

  private Path job(String name, String model, int epochs, int batch, int every) throws Exception {
    Path p = dir.resolve(name + ".yaml");
    Files.writeString(p, JOB.formatted(name, model, epochs, batch, every));
    return p;
  }

  @Test
  void trainAndEvaluateWriteTheDocumentedFiles() throws Exception {
    Path tt = job("tt", "{type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}", 2, 128, 0);
    String run = dir.resolve("runs/tt").toString();
    CliRunner.Result r = CliRunner.run("train", "--config", tt.toString(), "--run", run, "--cache", dir.resolve("cache").toString(),
        "--set", "seed=9", "--set", "train.epochs=3");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("run directory:", "checkpoints:", "metrics:", "training curves:");
    assertThat(new File(run, "metrics.jsonl")).exists();
    assertThat(Files.readAllLines(Path.of(run, "metrics.jsonl"))).hasSize(3);
    assertThat(new File(run, "curves.png")).exists();
    assertThat(Files.readString(Path.of(run, "job.yaml"))).contains("seed: 9");
    CliRunner.Result e = CliRunner.run("evaluate", "--run", run, "--split", "test");
    assertThat(e.exit()).as(e.err()).isZero();
    JsonNode eval = Persisted.json().readTree(new File(run, "eval-test.json"));
    for (String k : List.of("recall@10", "recall@50", "ndcg@10")) {
      assertThat(eval.get(k).isNumber()).as(k).isTrue();
      assertThat(eval.get("baseline").get(k).isNumber()).as("baseline " + k).isTrue();
    }
    assertThat(e.out()).contains("warm: model", "cold: model");

    Path rk = job("rk", "{type: ranking, architecture: dcn, embedding_dim: 8, hidden: [16]}", 2, 256, 0);
    String runRk = dir.resolve("runs/rk").toString();
    r = CliRunner.run("train", "--config", rk.toString(), "--run", runRk, "--cache", dir.resolve("cache").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    e = CliRunner.run("evaluate", "--run", runRk, "--split", "test");
    assertThat(e.exit()).as(e.err()).isZero();
    eval = Persisted.json().readTree(new File(runRk, "eval-test.json"));
    assertThat(eval.get("auc").asDouble()).isBetween(0.5, 1.0);
    assertThat(eval.get("logloss").isNumber()).isTrue();
    assertThat(eval.get("baseline").get("name").asText()).isEqualTo("logistic_regression");
    assertThat(eval.get("baseline").get("auc").isNumber()).isTrue();
    assertThat(eval.get("calibration").size()).isEqualTo(10);

    // a second train into the same run directory is refused; --resume with --set is refused
    r = CliRunner.run("train", "--config", rk.toString(), "--run", runRk, "--cache", dir.resolve("cache").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("already holds a run").contains("--resume");
    r = CliRunner.run("train", "--resume", runRk, "--set", "seed=1");
    assertThat(r.exit()).isEqualTo(2);
  }

  /** The epoch validation chose in a run: the last that improved the watched metric. */
  private static int chosenEpoch(String run) throws java.io.IOException {
    int chosen = 0;
    for (String line : Files.readAllLines(Path.of(run, "metrics.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode m = dev.tandem.format.Persisted.json().readTree(line);
      chosen = m.get("improved").asBoolean() ? m.get("epoch").asInt() : chosen;
    }
    return chosen;
  }

  @Test
  void refitTrainsAgainOnTrainPlusValidationIntoItsOwnRun() throws Exception {
    Path tt = job("tt", "{type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}", 3, 128, 0);
    String run = dir.resolve("runs/tt").toString();
    CliRunner.Result r = CliRunner.run("train", "--config", tt.toString(), "--run", run, "--cache", dir.resolve("cache").toString(),
        "--set", "train.refit=true");
    assertThat(r.exit()).as(r.err()).isZero();
    int chosen = chosenEpoch(run);
    assertThat(chosen).isBetween(1, 3);
    assertThat(r.out()).contains("refit of ", "on train + validation, " + chosen + " epoch" + (chosen == 1 ? "" : "s") + " as validation chose",
        "per epoch (no validation split to score");
    String refit = run + "/refit";
    assertThat(Files.readString(Path.of(refit, "job.yaml"))).contains("name: tt-refit", "refit: false");
    assertThat(Files.readAllLines(Path.of(refit, "metrics.jsonl"))).hasSize(chosen);

    CliRunner.Result e = CliRunner.run("evaluate", "--run", run, "--split", "test");
    assertThat(e.exit()).as(e.err()).isZero();
    assertThat(e.out()).contains("tandem evaluate --run " + RunDirectory.at(refit).root());
    e = CliRunner.run("evaluate", "--run", refit, "--split", "test");
    assertThat(e.exit()).as(e.err()).isZero();
    JsonNode eval = Persisted.json().readTree(new File(refit, "eval-test.json"));
    assertThat(eval.get("recall@10").isNumber()).isTrue();
    assertThat(eval.get("baseline").get("recall@10").isNumber()).isTrue();

    // --refit does the same for a run trained without train.refit (e.g. a sweep's best trial)
    String plain = dir.resolve("runs/plain").toString();
    r = CliRunner.run("train", "--config", tt.toString(), "--run", plain, "--cache", dir.resolve("cache").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(new File(plain, "refit")).doesNotExist();
    r = CliRunner.run("train", "--refit", plain, "--cache", dir.resolve("cache").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("refit of ");
    assertThat(Files.readAllLines(Path.of(plain, "refit", "metrics.jsonl"))).hasSize(chosenEpoch(plain));
    r = CliRunner.run("train", "--refit", dir.resolve("runs/none").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("no run to refit");

    // resuming a finished run with a finished refit changes nothing
    CliRunner.Result again = CliRunner.run("train", "--resume", run);
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(Files.readAllLines(Path.of(refit, "metrics.jsonl"))).hasSize(chosen);
  }

  /** The ranking job, killed with SIGKILL in the middle of its second epoch, resumes to the same final parameters. */
  @Test
  void aKilledTrainingProcessResumesToTheSameParameters() throws Exception {
    Path rk = job("killme", "{type: ranking, architecture: dcn, embedding_dim: 8, hidden: [32]}", 4, 128, 10);
    String cache = dir.resolve("cache").toString();
    String straight = dir.resolve("runs/straight").toString();
    CliRunner.Result a = CliRunner.run("train", "--config", rk.toString(), "--run", straight, "--cache", cache);
    assertThat(a.exit()).as(a.err()).isZero();

    String killed = dir.resolve("runs/killed").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tandem.cli.Tandem", "train", "--config", rk.toString(),
        "--run", killed, "--cache", cache));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
    FsCheckpointStore store = new FsCheckpointStore(dev.tandem.fs.Fs.path(killed + "/checkpoints"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    boolean midSecondEpoch = false;
    while (!midSecondEpoch && p.isAlive() && System.nanoTime() < deadline) {
      for (String id : store.list()) {
        Path state = Path.of(killed, "checkpoints", id, "state.json");
        JsonNode s;
        try {
          s = Persisted.json().readTree(state.toFile());
        } catch (java.io.IOException gone) {
          continue; // not written yet, or already pruned by keep_checkpoints while we looked
        }
        if (s != null && s.has("epoch") && s.get("epoch").asInt() == 1 && s.get("step_in_epoch").asInt() > 0) {
          midSecondEpoch = true;
        }
      }
      Thread.sleep(10);
    }
    assertThat(p.isAlive()).as("the training process should still be running (log: %s)", Files.readString(dir.resolve("killed.log"))).isTrue();
    p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(137);

    CliRunner.Result b = CliRunner.run("train", "--resume", killed);
    assertThat(b.exit()).as(b.err()).isZero();
    Checkpoint x = new FsCheckpointStore(RunDirectory.at(straight).checkpoints()).latestGood().orElseThrow();
    Checkpoint y = store.latestGood().orElseThrow();
    assertThat(y.state().globalStep()).isEqualTo(x.state().globalStep());
    assertThat(y.graph().params()).isEqualTo(x.graph().params());
    assertThat(y.graph().getUpdater().getStateViewArray()).isEqualTo(x.graph().getUpdater().getStateViewArray());
  }
}
