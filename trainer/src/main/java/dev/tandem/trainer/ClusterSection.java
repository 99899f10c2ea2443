package dev.tandem.trainer;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
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
 * @param parameterServer the parameter-server shards holding the embedding tables of a model with
 *                       {@code model.embeddings.store: sharded}; null when there are none
 */
public record ClusterSection(Mode mode, String config, Integer workers, double threshold, double minSparsity, double maxSparsity,
    double residualClip, int maxEpochFailures, ParameterServerSection parameterServer) {
  /** Every key at its default: training in this JVM. */
  public static final ClusterSection LOCAL = of(null, null, null, null, null, null, null, null, null);

  /**
   * The cluster section as a job writes it, with every key it leaves out (null) at its default (README lists them);
   * {@code config} and {@code workers} have none.
   */
  @JsonCreator
  public static ClusterSection of(@JsonProperty("mode") Mode mode, @JsonProperty("config") String config,
      @JsonProperty("workers") Integer workers, @JsonProperty("threshold") Double threshold,
      @JsonProperty("min_sparsity") Double minSparsity, @JsonProperty("max_sparsity") Double maxSparsity,
      @JsonProperty("residual_clip") Double residualClip, @JsonProperty("max_epoch_failures") Integer maxEpochFailures,
      @JsonProperty("parameter_server") ParameterServerSection parameterServer) {
    return new ClusterSection(orDefault(mode, Mode.LOCAL), config, workers, orDefault(threshold, 1e-3), orDefault(minSparsity, 1e-4),
        orDefault(maxSparsity, 1e-2), orDefault(residualClip, 5.0), orDefault(maxEpochFailures, 2), parameterServer);
  }

  public ClusterSection {
    Check.required(mode, "mode");
    if (workers != null) {
      Check.positive(workers, "workers");
    }
    Check.positive(threshold, "threshold");
    Check.inRange(minSparsity, 0.0, 1.0, "min_sparsity");
    Check.inRange(maxSparsity, 0.0, 1.0, "max_sparsity");
    Check.that(minSparsity < maxSparsity, "max_sparsity", "must be greater than min_sparsity");
    Check.inRange(residualClip, 0.0, 1e6, "residual_clip");
    Check.nonNegative(maxEpochFailures, "max_epoch_failures");
  }

  public enum Mode implements ConfigEnum {
    LOCAL, SPARK
  }
}
