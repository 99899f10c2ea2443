package dev.tandem.ps.spark;

import dev.tandem.ps.ClusterConfig;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of one training, and who owns it. Built here from a cluster config when {@code tandem train} runs
 * directly: this handle owns it and stops it on close. Under spark-submit the context is the application's: close
 * leaves it running (a refit or the next job in the same application uses it again).
 */
final class SparkContextHandle implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(SparkContextHandle.class);
  private final JavaSparkContext context;
  private final boolean owned;
  private boolean closed;

  SparkContextHandle(JavaSparkContext context, boolean owned) {
    this.context = context;
    this.owned = owned;
  }

  /**
   * The context for a training: spark-submit's (not owned), or a new one from the cluster config (owned). The caller
   * closes the handle.
   */
  static SparkContextHandle open(ClusterConfig cluster, String appName) {
    return new SparkContextHandle(SparkContexts.open(cluster, appName), !SparkContexts.launchedBySparkSubmit());
  }

  /** The context, open until {@link #close()}. */
  JavaSparkContext context() {
    if (closed) {
      throw new IllegalStateException("the Spark context of this training was closed");
    }
    return context;
  }

  /** Whether closing stops the context (false under spark-submit). */
  boolean owned() {
    return owned;
  }

  /** Stops the context if this handle owns it; idempotent: the context is stopped at most once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owned) {
      context.stop();
    } else {
      LOG.debug("leaving spark-submit's Spark context running");
    }
  }
}
