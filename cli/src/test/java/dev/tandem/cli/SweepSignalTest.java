package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.trainer.tune.sweep.SweepState;
import dev.tandem.trainer.tune.sweep.TrialRecord;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C while the sweep evaluates a finished trial: the sweep is a JVM of its own (SlowEvaluationSweep) that gets a
 * real SIGTERM, the path of Ctrl-C through its shutdown hook, while one trial's evaluation holds and another trial
 * trains. It must end within 5 s, record itself as interrupted, and leave no trial process behind; the next session
 * evaluates the trial the signal cut short without training it again.
 */
class SweepSignalTest {
  @TempDir
  Path dir;

  @Test
  void ctrlCDuringAnObjectiveEvaluationEndsTheSweepWithinFiveSeconds() throws Exception {
    Files.writeString(dir.resolve("job.yaml"), TrainCommandTest.JOB.formatted("tiny", "{type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}",
        2, 128, 0));
    String sweep = """
        name: signalled
        seed: 3
        base: job.yaml
        space:
          train.epochs: {type: choice, values: [1, 40]}
        objective: {metric: recall@10, split: test}
        sampler: {type: grid}
        budget: {max_parallel: 2%s}
        trial: {jvm_options: [-Xmx512m]}
        """;
    Path cfg = dir.resolve("sweep.yaml");
    Files.writeString(cfg, sweep.formatted(""));
    Path sweepDir = dir.resolve("sweeps/signalled");
    String cache = dir.resolve("cache").toString();
    Path marker = dir.resolve("evaluating");

    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SlowEvaluationSweep.class.getName(), cfg.toString(), sweepDir.toString(),
        cache, marker.toString()));
    Path log = dir.resolve("sweep.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    List<ProcessHandle> trials = new ArrayList<>();
    try {
      // generous: on a busy machine a JVM start and a tiny epoch can take minutes
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
      while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.exists(marker)).as("an evaluation started; log:\n" + Files.readString(log)).isTrue();
      Thread.sleep(500); // well inside the evaluation's hold

      SweepState during = SweepCommandTest.state(sweepDir);
      TrialRecord evaluated = during.trials().stream().filter(t -> t.params().get("train.epochs").asInt() == 1).findFirst().orElseThrow();
      TrialRecord training = during.trials().stream().filter(t -> t.params().get("train.epochs").asInt() == 40).findFirst().orElseThrow();
      assertThat(evaluated.status()).isEqualTo(TrialRecord.Status.COMPLETED);
      assertThat(evaluated.value()).as("to be evaluated").isNull();
      assertThat(training.status()).isEqualTo(TrialRecord.Status.RUNNING);
      ProcessHandle.current().descendants().forEach(trials::add);
      assertThat(trials).as("the sweep and its training trial").anyMatch(h -> h.pid() == training.pid() && h.isAlive());

      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM, as kill or Ctrl-C (SIGINT takes the same shutdown hook)
      boolean ended = p.waitFor(30, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.err.printf("sweep ended %.2f s after SIGTERM%n", seconds);
      assertThat(ended).isTrue();
      assertThat(seconds).as("seconds from SIGTERM to the sweep's end; log:\n" + Files.readString(log)).isLessThan(5.0);
      for (ProcessHandle h : trials) {
        assertThat(h.isAlive()).as("process %d (%s) outlived the sweep", h.pid(), h.info().commandLine().orElse("?")).isFalse();
      }

      SweepState after = SweepCommandTest.state(sweepDir);
      assertThat(after.status()).isEqualTo("interrupted");
      assertThat(after.message()).contains("run the same command again");
      assertThat(after.trial(training.id()).status()).isEqualTo(TrialRecord.Status.PENDING);
      assertThat(after.trial(training.id()).pid()).isNull();
      TrialRecord cut = after.trial(evaluated.id());
      assertThat(cut.status()).isEqualTo(TrialRecord.Status.COMPLETED);
      assertThat(cut.value()).isNull();
    } finally {
      p.destroyForcibly();
      trials.forEach(ProcessHandle::destroyForcibly);
    }

    // the next session evaluates the trial the signal cut short, without training it again; its budget (which may
    // change between sessions) is already spent, so it starts no trial
    Files.writeString(cfg, sweep.formatted(", max_minutes: 0.001"));
    CliRunner.Result r = CliRunner.run("sweep", "run", "--config", cfg.toString(), "--dir", sweepDir.toString(), "--cache", cache);
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    SweepState last = SweepCommandTest.state(sweepDir);
    assertThat(last.status()).isEqualTo("time_limit");
    assertThat(last.sessions()).isEqualTo(2);
    TrialRecord evaluated = last.trials().stream().filter(t -> t.params().get("train.epochs").asInt() == 1).findFirst().orElseThrow();
    assertThat(evaluated.status()).isEqualTo(TrialRecord.Status.COMPLETED);
    assertThat(evaluated.attempts()).isEqualTo(1);
    assertThat(evaluated.value()).isNotNull().isBetween(0.0, 1.0);
    assertThat(Files.readAllLines(sweepDir.resolve("trials/" + evaluated.id() + "/run/metrics.jsonl"))).hasSize(1);
  }
}
