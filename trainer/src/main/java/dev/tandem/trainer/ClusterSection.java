package dev.tandem.trainer;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;

/**
 * The {@code cluster} section of a job: where training runs. The cluster's own description (master URL, executors,
 * Aeron ports, HDFS) lives in a cluster-config file; the job only says how to use it.
 *
 * @param mode           local (this JVM) or spark (SharedTrainingMaster: gradients shared over Aeron)
 * @param config         the cluster-config file (e.g. cluster-config/local-cluster.yaml); relative to the job file
 * @param workers        Spark training workers (partitions); default: the cluster's executors
 * @param threshold      initial threshold of the adaptive gradient encoding
 * @param minSparsity    the adaptive threshold keeps the share of gradient values sent at least this
 * @param maxSparsity    ... and at most this
 * @param residualClip   every few steps, clip the unsent residual to this multiple of the threshold (DL4J's
 *                       default 5 bounds staleness); 0 keeps the whole residual
 * @param maxEpochFailures how many times an epoch that failed (e.g. an executor died) is retried from the last
 *                       checkpoint before the run fails
 */
public record ClusterSection(Mode mode, String config, Integer workers, Double threshold, Double minSparsity, Double maxSparsity,
    Double residualClip, Integer maxEpochFailures) {
  public static final ClusterSection LOCAL = new ClusterSection(null, null, null, null, null, null, null, null);

  public ClusterSection {
    mode = Check.orDefault(mode, Mode.LOCAL);
    if (workers != null) {
      Check.positive(workers, "workers");
    }
    threshold = Check.orDefault(threshold, 1e-3);
    Check.positive(threshold, "threshold");
    minSparsity = Check.orDefault(minSparsity, 1e-4);
    maxSparsity = Check.orDefault(maxSparsity, 1e-2);
    Check.inRange(minSparsity, 0.0, 1.0, "min_sparsity");
    Check.inRange(maxSparsity, 0.0, 1.0, "max_sparsity");
    Check.that(minSparsity < maxSparsity, "max_sparsity", "must be greater than min_sparsity");
    residualClip = Check.orDefault(residualClip, 5.0);
    Check.inRange(residualClip, 0.0, 1e6, "residual_clip");
    maxEpochFailures = Check.orDefault(maxEpochFailures, 2);
    Check.nonNegative(maxEpochFailures, "max_epoch_failures");
  }

  public enum Mode implements ConfigEnum {
    LOCAL, SPARK
  }
}
