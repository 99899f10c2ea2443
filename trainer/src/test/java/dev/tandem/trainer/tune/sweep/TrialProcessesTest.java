package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trial processes are real processes here: shell scripts standing in for {@code tandem train}. */
class TrialProcessesTest {
  @TempDir
  Path dir;

  final SweepSchedulerTest.TestClock clock = new SweepSchedulerTest.TestClock();

  /** Runs the script given as the trial's arguments. */
  static final TrialLauncher SHELL = new TrialLauncher() {
    @Override
    public List<String> command(List<String> args) {
      return List.of("sh", "-c", String.join(" ", args));
    }

    @Override
    public Map<String, String> environment() {
      return Map.of();
    }

    @Override
    public boolean canResume() {
      return false;
    }

    @Override
    public String describe() {
      return "shell";
    }
  };

  TrialProcesses processes() {
    return new TrialProcesses(SHELL, TrialStore.at(dir.toString()), clock);
  }

  static void awaitEnd(TrialProcesses p, String trial) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.exitCode(trial).isEmpty() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
  }

  @Test
  void aFailedTrialEndsWithTheErrorItsOutputNames() throws Exception {
    TrialProcesses p = processes();
    long pid = p.start("0001", List.of("echo training; echo 'error: train.learning_rate: must be > 0'; exit 2"));
    assertThat(pid).isPositive();
    assertThat(p.running()).containsExactly("0001");
    assertThatThrownBy(() -> p.start("0001", List.of("true"))).isInstanceOf(IllegalStateException.class);
    awaitEnd(p, "0001");
    clock.advance(Duration.ofSeconds(7));
    TrialProcesses.Ended e = p.finish("0001");
    assertThat(e.exitCode()).isEqualTo(2);
    assertThat(e.error()).isEqualTo("train.learning_rate: must be > 0 (exit code 2)");
    assertThat(e.seconds()).isEqualTo(7.0);
    assertThat(p.running()).isEmpty();
    assertThat(Files.readString(dir.resolve("trials/0001/train.log"))).startsWith("training\n");

    p.start("0002", List.of("exit 0"));
    awaitEnd(p, "0002");
    assertThat(p.finish("0002").error()).isNull();
  }

  /** The processes of this JVM's children and their descendants. */
  static List<ProcessHandle> trialTrees() {
    List<ProcessHandle> all = new java.util.ArrayList<>();
    ProcessHandle.current().children().forEach(c -> {
      all.add(c);
      c.descendants().forEach(all::add);
    });
    return all;
  }

  static void assertEnded(List<ProcessHandle> processes) {
    for (ProcessHandle h : processes) {
      assertThat(TrialProcesses.ended(h)).as("process %d (%s) ended", h.pid(), h.info().commandLine().orElse("?")).isTrue();
    }
  }

  @Test
  void stoppingATrialEndsItsProcessAndWhatItStarted() throws Exception {
    TrialProcesses p = processes();
    p.start("0001", List.of("sleep 60; true")); // a shell, and its sleep, which SIGTERM to the shell leaves running
    Thread.sleep(300);
    List<ProcessHandle> tree = trialTrees();
    assertThat(tree).hasSize(2);
    assertThat(p.exitCode("0001")).isEmpty();
    p.stop("0001");
    assertThat(p.exitCode("0001")).isPresent();
    assertEnded(tree);
    assertThat(p.finish("0001").exitCode()).isNotZero();
  }

  @Test
  void closingEndsEveryTrialWithinItsGraceEvenOneThatIgnoresSigterm() throws Exception {
    TrialProcesses p = processes();
    p.start("0001", List.of("sleep 60; true"));
    // a trial that ignores SIGTERM, with a child of its own
    p.start("0002", List.of("trap '' TERM; sleep 60 & wait; sleep 60"));
    Thread.sleep(300); // the shell sets its trap
    List<ProcessHandle> all = trialTrees();
    assertThat(all).hasSize(4);
    clock.advance(Duration.ofSeconds(12));

    long t0 = System.nanoTime();
    Map<String, Double> ended = p.closeAll(Duration.ofSeconds(2));
    double took = (System.nanoTime() - t0) / 1e9;
    assertThat(took).as("seconds closeAll took").isLessThan(3.5);
    assertThat(ended).containsOnlyKeys("0001", "0002").containsEntry("0001", 12.0);
    assertEnded(all);
    assertThat(p.closed()).isTrue();
    assertThatThrownBy(() -> p.start("0003", List.of("true"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shutting down");
  }
}
