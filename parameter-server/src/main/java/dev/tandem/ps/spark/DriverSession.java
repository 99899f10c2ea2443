package dev.tandem.ps.spark;

import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.GradientSharing;
import dev.tandem.ps.TrafficRecorder;
import dev.tandem.trainer.ClusterSection;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * The driver's side of a gradient-sharing session: DL4J's training master over the model, the driver's transport (the
 * mesh root, in DL4J's JVM-wide parameter server) and the session's generation number, which executors compare to know
 * when to leave an old mesh ({@link ExecutorSession}). Used by the epoch loop's thread only.
 *
 * <pre>
 *   NOT_STARTED --trainer()--> LIVE --restart()--> RELEASED --trainer()--> LIVE ...
 *   any --close()--> CLOSED
 * </pre>
 *
 * A restart releases the driver's transport and takes a new generation: DL4J's mesh cannot drop a node (the driver
 * would block relaying updates to a dead executor), so after an executor loss or a failed attempt the next fit builds
 * a fresh mesh.
 */
final class DriverSession implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(DriverSession.class);
  /**
   * Generation numbers of this JVM. Executors leave their mesh when the generation they are handed changes, so every
   * session (a retry, or the next training under the same SparkContext, such as a refit under spark-submit) needs a
   * number no earlier session of this JVM had.
   */
  private static final AtomicLong GENERATIONS = new AtomicLong();

  /** Where the session is. */
  enum State {
    /** no training master yet: the first fit builds one */
    NOT_STARTED,
    /** a training master (and, once it fitted, the driver's transport) of the current generation */
    LIVE,
    /** the previous mesh was released: the next fit builds a fresh one under the current (new) generation */
    RELEASED,
    /** closed: the driver's transport is released for good */
    CLOSED
  }

  private final JavaSparkContext sc;
  private final ClusterConfig cluster;
  private final ClusterSection section;
  private final int workers;
  private final int batch;
  private final long seed;
  private final String controller;
  private final String trafficDir;
  private State state = State.NOT_STARTED;
  private long generation = GENERATIONS.getAndIncrement();
  private SparkComputationGraph trainer;

  /**
   * @param controller the driver's address in the mesh (resolved by {@link GradientSharing#controllerAddress})
   * @param trafficDir the run's traffic directory, where executors' {@link TrafficRecorder}s write
   */
  DriverSession(JavaSparkContext sc, ClusterConfig cluster, ClusterSection section, int workers, int batch, long seed, String controller,
      String trafficDir) {
    this.sc = sc;
    this.cluster = cluster;
    this.section = section;
    this.workers = workers;
    this.batch = batch;
    this.seed = seed;
    this.controller = controller;
    this.trafficDir = trafficDir;
  }

  State state() {
    return state;
  }

  /** The current generation: what executors are told, and what a restart changes. */
  long generation() {
    return generation;
  }

  /**
   * The training master over {@code model} of the current generation, built when the session is not LIVE (or was LIVE
   * for another model, which counts as a restart). Checks the controller address and port first (a
   * {@link dev.tandem.ps.StartupException} names the key).
   */
  SparkComputationGraph trainer(ComputationGraph model) {
    if (state == State.CLOSED) {
      throw new IllegalStateException("the gradient-sharing session was closed");
    }
    if (state == State.LIVE && trainer.getNetwork() != model) {
      restart("another model to train");
    }
    if (state != State.LIVE) {
      VoidConfiguration vc = GradientSharing.voidConfiguration(cluster.aeron(), controller);
      SharedTrainingMaster tm = new SharedTrainingMaster.Builder(vc, workers, GradientSharing.threshold(section), batch)
          .batchSizePerWorker(batch)
          .workersPerNode(1)
          .rddTrainingApproach(RDDTrainingApproach.Direct)
          .repartitionData(Repartition.Never)
          .repartitioner(null) // the default one shuffles every batch through Spark: each executor keeps its own shards
          .collectTrainingStats(false)
          .rngSeed(seed)
          .workerPrefetchNumBatches(2)
          .storageLevel(null) // batches are rebuilt from shards, never cached: executor memory stays one batch deep
          .residualPostProcessor(GradientSharing.residualClipping(section))
          .build();
      trainer = new SparkComputationGraph(sc, model, tm);
      trainer.setListeners(new TrafficRecorder(trafficDir, model.numParams()));
      state = State.LIVE;
    }
    return trainer;
  }

  /**
   * Drops the current mesh: releases the driver's transport and takes a new generation, so the next fit builds a fresh
   * mesh and every executor leaves the old one.
   */
  void restart(String why) {
    if (state == State.CLOSED) {
      throw new IllegalStateException("the gradient-sharing session was closed");
    }
    long before = generation;
    trainer = null;
    generation = GENERATIONS.getAndIncrement();
    GradientSharing.releaseDriverTransport(cluster.aeron(), controller);
    state = State.RELEASED;
    LOG.info("gradient-sharing session {} replaced by {}: {}", before, generation, why);
  }

  /**
   * Releases the driver's transport: DL4J's parameter server is a JVM-wide singleton that would keep the controller
   * port, so the next training in this JVM (a refit, the next job of a sweep) would fail its first attempt.
   * Idempotent; a failure to release is logged, not thrown (the caller still has a Spark context to stop).
   */
  @Override
  public void close() {
    State was = state;
    state = State.CLOSED;
    trainer = null;
    if (was == State.LIVE) {
      try {
        GradientSharing.releaseDriverTransport(cluster.aeron(), controller);
      } catch (RuntimeException e) {
        LOG.warn("could not release the driver's gradient-sharing transport: {}", e.toString(), e);
      }
    }
  }
}
