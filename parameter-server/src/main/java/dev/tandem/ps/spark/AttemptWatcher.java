package dev.tandem.ps.spark;

import dev.tandem.progress.Progress;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.ps.TrafficMeter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.JobExecutionStatus;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;

/**
 * Watches one epoch attempt from a thread of its own, every half second: shows progress (updates the driver received),
 * and stops the attempt, reporting why into {@link ClusterSignals} and cancelling the attempt's Spark job group, when
 * the cluster cannot finish it:
 * <ul>
 *   <li>an executor was lost: DL4J's mesh cannot drop a node, so the driver would block relaying updates to the dead
 *       one and never admit its replacement;
 *   <li>executors run training tasks but fewer of them joined the driver's mesh than run, for longer than
 *       {@code aeron.startup_timeout_seconds}: DL4J would otherwise wait forever for their introduction.
 * </ul>
 * Spark local mode has no mesh of its own: there it only shows progress. Closing it stops the thread and waits for it,
 * so what it reported is final when {@link #close()} returns.
 */
final class AttemptWatcher implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(AttemptWatcher.class);
  private final Thread thread;

  private AttemptWatcher(Thread thread) {
    this.thread = thread;
  }

  /**
   * Starts watching an attempt whose Spark jobs run in {@code group}.
   *
   * @param controller the driver's mesh address, for the error message
   */
  static AttemptWatcher start(JavaSparkContext sc, ClusterConfig cluster, String controller, String group, ClusterSignals signals,
      TrafficMeter driver, Progress.Task task, Dl4jInternals dl4j) {
    long timeoutNanos = cluster.aeron().startupTimeoutSeconds() * 1_000_000_000L;
    Thread t = new Thread(() -> {
      try {
        watch(sc, cluster, controller, group, signals, driver, task, dl4j, timeoutNanos);
      } catch (RuntimeException e) {
        LOG.error("cannot watch the epoch's progress: {}", e.toString(), e);
        signals.stoppedForBrokenWatch("the driver cannot watch the epoch: " + e);
        sc.cancelJobGroup(group);
      }
    }, "tandem-spark-progress");
    t.setDaemon(true);
    t.start();
    return new AttemptWatcher(t);
  }

  private static void watch(JavaSparkContext sc, ClusterConfig cluster, String controller, String group, ClusterSignals signals,
      TrafficMeter driver, Progress.Task task, Dl4jInternals dl4j, long timeoutNanos) {
    long trainingSince = -1;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException ie) {
        return;
      }
      driver.subscribeIfReady();
      task.status("updates received by the driver: " + driver.snapshot().get("updates_received"));
      if (cluster.isLocal()) {
        continue;
      }
      String lost = signals.lostExecutor().orElse(null);
      if (lost != null) {
        String message = "executor " + lost + " was lost; restarting the epoch with a fresh gradient-sharing mesh";
        LOG.warn(message);
        signals.stoppedForLostExecutor(message);
        sc.cancelJobGroup(group);
        return;
      }
      int running = runningTrainingTasks(sc, group);
      long joined = Math.max(0, dl4j.meshNodes() - 1);
      if (running == 0 || joined >= running) {
        trainingSince = -1;
        continue;
      }
      if (trainingSince < 0) {
        trainingSince = System.nanoTime();
      } else if (System.nanoTime() - trainingSince > timeoutNanos) {
        ClusterConfig.Aeron a = cluster.aeron();
        String message = "aeron: " + running + " executor(s) train but only " + joined + " reached the driver's parameter server at "
            + controller + ":" + a.controllerPort() + " (UDP) within aeron.startup_timeout_seconds=" + a.startupTimeoutSeconds()
            + "; check aeron.controller_address / aeron.network_mask and that UDP ports " + a.controllerPort() + " and "
            + a.portRange() + " are open between the hosts";
        LOG.error(message);
        signals.stoppedForStartupTimeout(message);
        sc.cancelJobGroup(group);
        return;
      }
    }
  }

  /** Running tasks of the training stage (not DL4J's counting job) of the attempt's job group. */
  private static int runningTrainingTasks(JavaSparkContext sc, String group) {
    int n = 0;
    JavaSparkStatusTracker st = sc.statusTracker();
    for (int job : st.getJobIdsForGroup(group)) {
      SparkJobInfo info = st.getJobInfo(job);
      if (info == null || info.status() != JobExecutionStatus.RUNNING) {
        continue;
      }
      for (int stage : info.stageIds()) {
        SparkStageInfo si = st.getStageInfo(stage);
        if (si != null && !si.name().startsWith("count")) {
          n += si.numActiveTasks();
        }
      }
    }
    return n;
  }

  /** Stops watching and waits for the thread (up to 5 s: it sleeps in half-second steps). */
  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
