package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.tune.sweep.SweepState;
import dev.tandem.trainer.tune.sweep.TrialRecord;
import dev.tandem.trainer.tune.sweep.TrialStore;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sweeps of a tiny synthetic two-tower job: trials are real child processes of the test JVM. */
class SweepCommandTest {
  @TempDir
  Path dir;

  private Path sweep(String name, String values, String extra) throws Exception {
    // the tiny synthetic job of TrainCommandTest, 2 epochs
    Files.writeString(dir.resolve("job.yaml"), TrainCommandTest.JOB.formatted("tiny", "{type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}",
        2, 128, 0));
    Path p = dir.resolve(name + ".yaml");
    Files.writeString(p, """
        name: %s
        seed: 3
        base: job.yaml
        space:
          train.learning_rate: {type: choice, values: %s}
        objective: {metric: recall@10}
        sampler: {type: grid}
        trial: {jvm_options: [-Xmx512m]}
        %s
        """.formatted(name, values, extra));
    return p;
  }

  static SweepState state(Path sweepDir) {
    return TrialStore.at(sweepDir.toString()).readRequired();
  }

  static Map<String, TrialRecord> byParam(SweepState s) {
    return s.trials().stream().collect(Collectors.toMap(t -> t.params().get("train.learning_rate").toString(), t -> t));
  }

  @Test
  void aSmallSweepRunsRecordsAFailingTrialReportsAndExportsTheBest() throws Exception {
    Path cfg = sweep("small", "[0.01, -1, 0.002]", "budget: {max_parallel: 2}\nscheduler: {type: asha, min_epochs: 1, eta: 2}");
    Path sweepDir = dir.resolve("sweeps/small");
    String cache = dir.resolve("cache").toString();

    // --cluster --dry-run prints each trial's submission and runs nothing
    CliRunner.Result dry = CliRunner.run("sweep", "run", "--config", cfg.toString(), "--dir", sweepDir.toString(), "--cluster",
        "../cluster-config/local-cluster.yaml", "--dry-run");
    assertThat(dry.exit()).as(dry.err()).isZero();
    List<String> submits = dry.out().lines().filter(l -> l.contains("submit.sh --cluster ../cluster-config/local-cluster.yaml --job")).toList();
    assertThat(submits).hasSize(3);
    assertThat(dry.out()).contains("--set train.learning_rate=0.01", "--set train.learning_rate=-1", "--run " + "file:" + sweepDir + "/trials/0001/run");
    assertThat(sweepDir).doesNotExist();

    CliRunner.Result r = CliRunner.run("sweep", "run", "--config", cfg.toString(), "--dir", sweepDir.toString(), "--cache", cache);
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("finished", "failed 1", "best recall@10");
    SweepState s = state(sweepDir);
    assertThat(s.status()).isEqualTo("finished");
    assertThat(s.trials()).hasSize(3).allMatch(TrialRecord::terminal);
    Map<String, TrialRecord> t = byParam(s);
    // the bad value fails its trial, with the error naming the key; the sweep went on
    assertThat(t.get("-1").status()).isEqualTo(TrialRecord.Status.FAILED);
    assertThat(t.get("-1").error()).contains("train.learning_rate");
    for (String lr : List.of("0.01", "0.002")) {
      TrialRecord ok = t.get(lr);
      assertThat(ok.status()).as(lr).isIn(TrialRecord.Status.COMPLETED, TrialRecord.Status.STOPPED);
      assertThat(ok.value()).as(lr).isNotNull().isBetween(0.0, 1.0);
      assertThat(ok.curve()).as(lr).isNotEmpty();
      assertThat(ok.rungs()).as("judged at rung 1: " + lr).containsKey("1");
      assertThat(new File(sweepDir.toFile(), "trials/" + ok.id() + "/run/metrics.jsonl")).exists();
      assertThat(new File(sweepDir.toFile(), "trials/" + ok.id() + "/train.log")).exists();
    }
    assertThat(s.trials()).anyMatch(x -> x.status() == TrialRecord.Status.COMPLETED);

    // leaderboard
    CliRunner.Result rep = CliRunner.run("sweep", "report", sweepDir.toString());
    assertThat(rep.exit()).as(rep.err()).isZero();
    List<String> csv = Files.readAllLines(sweepDir.resolve("report/leaderboard.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).startsWith("rank,trial,status,recall@10");
    assertThat(csv.get(3)).contains("failed");
    JsonNode json = Persisted.json().readTree(sweepDir.resolve("report/leaderboard.json").toFile());
    assertThat(json.get("trials").get(0).get("rank").asInt()).isEqualTo(1);
    assertThat(json.get("trials").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(json.get("trials").get(1).get("value").asDouble());
    String html = Files.readString(sweepDir.resolve("report/leaderboard.html"));
    assertThat(html).contains("id=\"leaderboard\"", "data:image/png;base64,").doesNotContain("src=\"http");

    // the best trial to the registry, with the sweep in its provenance
    String best = json.get("trials").get(0).get("id").asText();
    Path registry = dir.resolve("registry");
    CliRunner.Result ex = CliRunner.run("sweep", "export", sweepDir.toString(), "--registry", registry.toString(), "--name", "swept");
    assertThat(ex.exit()).as(ex.err()).isZero();
    assertThat(ex.out()).contains("exported trial " + best + " (rank 1");
    File manifest;
    try (var files = Files.walk(registry)) {
      manifest = files.filter(f -> f.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow().toFile();
    }
    JsonNode sweepProv = Persisted.json().readTree(manifest).path("models").path("retrieval").path("provenance").path("sweep");
    assertThat(sweepProv.path("trial").asText()).isEqualTo(best);
    assertThat(sweepProv.path("rank").asInt()).isEqualTo(1);
    assertThat(sweepProv.path("objective").path("metric").asText()).isEqualTo("recall@10");
    assertThat(sweepProv.path("space").has("train.learning_rate")).isTrue();
  }

  @Test
  void aTestSplitObjectiveIsTheBestCheckpointOnTheTestSplit() throws Exception {
    Path cfg = sweep("on-test", "[0.01]", "");
    Files.writeString(cfg, Files.readString(cfg).replace("objective: {metric: recall@10}", "objective: {metric: recall@10, split: test}"));
    Path sweepDir = dir.resolve("sweeps/on-test");
    CliRunner.Result r = CliRunner.run("sweep", "run", "--config", cfg.toString(), "--dir", sweepDir.toString(), "--cache",
        dir.resolve("cache").toString());
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    TrialRecord t = state(sweepDir).trials().get(0);
    assertThat(t.status()).isEqualTo(TrialRecord.Status.COMPLETED);
    CliRunner.Result e = CliRunner.run("evaluate", "--run", sweepDir.resolve("trials/0001/run").toString(), "--split", "test");
    assertThat(e.exit()).as(e.err()).isZero();
    JsonNode eval = Persisted.json().readTree(sweepDir.resolve("trials/0001/run/eval-test.json").toFile());
    assertThat(t.value()).isEqualTo(eval.get("recall@10").asDouble());
    // and not the validation value the curve holds
    assertThat(t.curve()).doesNotContain(t.value());
  }

  @Test
  void aSweepKilledMidWayContinuesWithoutRerunningFinishedTrials() throws Exception {
    Path cfg = sweep("killed", "[0.01, 0.003]", "");
    Path sweepDir = dir.resolve("sweeps/killed");
    String cache = dir.resolve("cache").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tandem.cli.Tandem", "sweep", "run", "--config", cfg.toString(),
        "--dir", sweepDir.toString(), "--cache", cache));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
    try {
      killAndRerun(p, cfg, sweepDir, cache);
    } finally {
      p.destroyForcibly(); // never leave the sweep running when an assertion fails
    }
  }

  private void killAndRerun(Process p, Path cfg, Path sweepDir, String cache) throws Exception {
    // generous: on a busy machine a JVM start and two tiny epochs can take minutes
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    SweepState before = null;
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.exists(sweepDir.resolve("state.json"))) {
        SweepState s = state(sweepDir);
        // kill once the first trial has completed and the second one's process has started
        if (s.trials().stream().anyMatch(t -> t.status() == TrialRecord.Status.COMPLETED)
            && s.trials().stream().anyMatch(t -> t.status() == TrialRecord.Status.RUNNING && t.pid() != null)) {
          before = s;
          break;
        }
      }
      Thread.sleep(200);
    }
    assertThat(before).as("a trial completed and the next started before the deadline; log:\n" + Files.readString(dir.resolve("killed.log")))
        .isNotNull();
    p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    SweepState killed = state(sweepDir);
    List<TrialRecord> finished = killed.trials().stream().filter(TrialRecord::terminal).toList();
    assertThat(killed.status()).isEqualTo("running");
    assertThat(finished).hasSize(1);
    // the trial the sweep was running dies with it (its parent watchdog), rather than training on as an orphan
    for (TrialRecord t : killed.trials()) {
      if (t.status() == TrialRecord.Status.RUNNING && t.pid() != null) {
        var h = ProcessHandle.of(t.pid());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (h.map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
          Thread.sleep(100);
        }
        assertThat(h.map(ProcessHandle::isAlive).orElse(false)).as("trial process %d outlived its sweep", t.pid()).isFalse();
      }
    }

    CliRunner.Result r = CliRunner.run("sweep", "run", "--config", cfg.toString(), "--dir", sweepDir.toString(), "--cache", cache);
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    SweepState after = state(sweepDir);
    assertThat(after.status()).isEqualTo("finished");
    assertThat(after.sessions()).isEqualTo(2);
    assertThat(after.trials()).hasSize(2).allMatch(t -> t.status() == TrialRecord.Status.COMPLETED);
    for (TrialRecord f : finished) {
      TrialRecord now = after.trials().get(f.index() - 1);
      assertThat(now).as("finished trial %s untouched by the second session", f.id()).isEqualTo(f);
      assertThat(now.attempts()).isEqualTo(1);
      // its run trained 2 epochs once: one line per epoch in metrics.jsonl
      assertThat(Files.readAllLines(sweepDir.resolve("trials/" + f.id() + "/run/metrics.jsonl"))).hasSize(2);
    }
    // the trial that was running when the sweep was killed ran again (resumed or restarted) and finished its 2 epochs
    TrialRecord interrupted = killed.trials().stream().filter(t -> t.status() == TrialRecord.Status.RUNNING).findFirst().orElseThrow();
    TrialRecord resumed = after.trials().get(interrupted.index() - 1);
    assertThat(resumed.attempts()).isEqualTo(2);
    assertThat(resumed.epochs()).isEqualTo(2);
    assertThat(Files.readAllLines(sweepDir.resolve("trials/" + resumed.id() + "/run/metrics.jsonl"))).hasSize(2);
  }
}
