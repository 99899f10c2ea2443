package dev.tandem.ps.spark;

import java.util.Optional;

/**
 * What other threads tell the epoch loop about the cluster; thread-safe. Spark's listener bus reports executors that
 * were lost (at any time, between epochs too), and the {@link AttemptWatcher} reports why it stopped the running
 * attempt. The epoch loop ({@link SparkEpochs}) reads them to decide how an attempt ended and what comes next.
 */
final class ClusterSignals {
  /** How an epoch attempt ended, and so what the epoch loop does next. */
  enum Ending {
    /** the fit returned: the epoch is done */
    COMPLETED,
    /** an executor was lost while the epoch trained and the watcher stopped the attempt: retry on a fresh mesh */
    EXECUTOR_LOST,
    /** executors train but did not reach the driver's parameter server in time: the run fails, naming the settings */
    STARTUP_TIMEOUT,
    /** the watcher itself failed (it could not count the mesh's nodes): the run fails, nothing would watch a retry */
    WATCH_BROKEN,
    /** anything else (Spark gave up on a task, the mesh broke): retry on a fresh mesh */
    FAILED
  }

  /** A failed attempt: how it ended and the message to log or throw. */
  record Failure(Ending ending, String message) {}

  /** An executor lost and not yet handled by a fresh mesh; kept until the epoch loop takes it. */
  private String lostExecutor;
  /** Why the watcher stopped the current attempt, if it did. */
  private Failure stopped;

  /** Spark's listener bus: an executor was removed. */
  synchronized void executorLost(String description) {
    lostExecutor = description;
  }

  /** The lost executor not yet handled, if any (the watcher polls this). */
  synchronized Optional<String> lostExecutor() {
    return Optional.ofNullable(lostExecutor);
  }

  /** Takes the lost executor not yet handled: the caller builds a fresh mesh without it. */
  synchronized Optional<String> takeLostExecutor() {
    Optional<String> out = Optional.ofNullable(lostExecutor);
    lostExecutor = null;
    return out;
  }

  /** The epoch loop starts an attempt: what the watcher said of the previous one no longer applies. */
  synchronized void attemptStarted() {
    stopped = null;
  }

  /** The watcher stops the attempt because an executor was lost. */
  synchronized void stoppedForLostExecutor(String message) {
    stopped = new Failure(Ending.EXECUTOR_LOST, message);
  }

  /** The watcher stops the attempt because executors did not join the mesh in time. */
  synchronized void stoppedForStartupTimeout(String message) {
    stopped = new Failure(Ending.STARTUP_TIMEOUT, message);
  }

  /** The watcher failed and stopped the attempt. */
  synchronized void stoppedForBrokenWatch(String message) {
    stopped = new Failure(Ending.WATCH_BROKEN, message);
  }

  /** How the current attempt ended, given that its fit threw {@code error}. */
  synchronized Failure failure(Throwable error) {
    return stopped != null ? stopped : new Failure(Ending.FAILED, String.valueOf(error));
  }
}
