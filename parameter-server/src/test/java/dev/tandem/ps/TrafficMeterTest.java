package dev.tandem.ps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.fs.Fs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traffic meters belong to a run: two runs in one JVM count and write apart. */
class TrafficMeterTest {
  @TempDir
  Path tmp;

  @Test
  void twoRunsInOneJvmHaveTheirOwnMeters() throws Exception {
    String a = tmp.resolve("a/traffic").toString();
    String b = tmp.resolve("b/traffic").toString();
    try (TrafficMeter driverA = TrafficMeter.openDriver(a, 100); TrafficMeter driverB = TrafficMeter.openDriver(b, 200)) {
      assertThat(driverA).isNotSameAs(driverB);
      // in Spark local mode the training listener of run A runs in the driver's JVM: it feeds A's driver meter, not B's
      TrafficMeter fedA = TrafficMeter.forExecutor("driver", a, 100);
      assertThat(fedA).isSameAs(driverA);
      fedA.onIterationDone(1.5, "");
      fedA.onIterationDone(1.0, "");
      assertThat(driverA.snapshot()).containsEntry("iterations", 2L).containsEntry("parameters", 100L);
      assertThat(driverB.snapshot()).containsEntry("iterations", 0L).containsEntry("parameters", 200L);
    }
    Map<String, Map<String, Object>> nodesA = TrafficReport.read(Fs.path(a));
    Map<String, Map<String, Object>> nodesB = TrafficReport.read(Fs.path(b));
    assertThat(nodesA.get("driver")).containsEntry("iterations", 2);
    assertThat(nodesB.get("driver")).containsEntry("iterations", 0);
  }

  @Test
  void anExecutorKeepsOneMeterPerRunAndAClosedDriverMeterIsNotFedAgain() throws Exception {
    String a = tmp.resolve("a/traffic").toString();
    String b = tmp.resolve("b/traffic").toString();
    // executors' meters live as long as their JVM; these are closed here only so nothing writes after the test
    try (TrafficMeter executorA = TrafficMeter.forExecutor("executor-1", a, 10);
        TrafficMeter executorB = TrafficMeter.forExecutor("executor-1", b, 10)) {
      assertThat(TrafficMeter.forExecutor("executor-1", a, 10)).isSameAs(executorA);
      assertThat(executorB).isNotSameAs(executorA);
      executorA.onIterationDone(0.5, "");
      executorA.writeQuietly();
      assertThat(Files.exists(tmp.resolve("a/traffic/executor-1.json"))).isTrue();
      assertThat(Files.exists(tmp.resolve("b/traffic/executor-1.json"))).isFalse();
    }

    String c = tmp.resolve("c/traffic").toString();
    TrafficMeter driver = TrafficMeter.openDriver(c, 10);
    driver.close();
    driver.close(); // idempotent
    assertThat(Files.exists(tmp.resolve("c/traffic/driver.json"))).isTrue();
    try (TrafficMeter after = TrafficMeter.forExecutor("driver", c, 10)) {
      assertThat(after).isNotSameAs(driver);
    }
  }
}
