package dev.tandem.ps.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.ps.spark.ClusterSignals.Ending;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** How the epoch loop reads what Spark's listener and the attempt watcher reported. */
class ClusterSignalsTest {

  @Test
  void aFailedFitWithoutReportIsAnOrdinaryFailure() {
    ClusterSignals s = new ClusterSignals();
    s.attemptStarted();
    ClusterSignals.Failure f = s.failure(new IllegalStateException("task lost"));
    assertThat(f.ending()).isEqualTo(Ending.FAILED);
    assertThat(f.message()).contains("task lost");
  }

  @Test
  void theWatchersReasonWinsOverTheExceptionItCaused() {
    ClusterSignals s = new ClusterSignals();
    s.attemptStarted();
    s.stoppedForStartupTimeout("aeron: 2 executor(s) train but only 0 reached the driver");
    assertThat(s.failure(new RuntimeException("Job cancelled")))
        .isEqualTo(new ClusterSignals.Failure(Ending.STARTUP_TIMEOUT, "aeron: 2 executor(s) train but only 0 reached the driver"));
    s.attemptStarted(); // the next attempt starts clean
    assertThat(s.failure(new RuntimeException("x")).ending()).isEqualTo(Ending.FAILED);
    s.stoppedForLostExecutor("executor 3 was lost");
    assertThat(s.failure(new RuntimeException("Job cancelled")).ending()).isEqualTo(Ending.EXECUTOR_LOST);
    s.stoppedForBrokenWatch("cannot count");
    assertThat(s.failure(new RuntimeException("Job cancelled")).ending()).isEqualTo(Ending.WATCH_BROKEN);
  }

  @Test
  void aLostExecutorIsKeptAcrossAttemptsUntilTheLoopTakesIt() throws Exception {
    ClusterSignals s = new ClusterSignals();
    // Spark's listener bus reports from its own thread
    CompletableFuture.runAsync(() -> s.executorLost("7 (worker lost)")).get();
    s.attemptStarted();
    assertThat(s.lostExecutor()).contains("7 (worker lost)");
    assertThat(s.takeLostExecutor()).contains("7 (worker lost)");
    assertThat(s.lostExecutor()).isEmpty();
    assertThat(s.takeLostExecutor()).isEmpty();
  }
}
