package dev.tandem.ps.spark;

import dev.tandem.ps.AeronNode;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.trainer.model.LearningRateSchedule;
import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;

/**
 * An executor JVM's part in the driver's gradient-sharing session: everything Tandem does to DL4J's executor-side state
 * (DL4J 1.0.0-M2 would otherwise let executors drift from the driver or drop updates; README "Distributed training").
 * One per JVM, because what it steers is JVM-wide in DL4J: the parameter server and the shared-training wrapper are
 * singletons. Thread-safe: in Spark local mode several tasks of one JVM use it at once.
 *
 * <p>For every fit of a partition (DL4J runs each epoch's partition function twice: its counting job, then the
 * training job), in this order: {@link #begin}
 * <ol>
 *   <li>prepares this executor's Aeron directory (before DL4J starts its transport);
 *   <li><b>joins the session</b>: when the driver rebuilt its session (a new generation, after an executor was lost or
 *       for a new training), leaves the old mesh so DL4J builds a new one;
 *   <li><b>syncs the parameters once per fit</b>: the trained model takes the driver's parameters of the epoch's
 *       start, so updates lost or late on either side cannot make them drift apart for the rest of the run;
 *   <li><b>accepts updates</b> from then until DL4J's training task ends (DL4J drops those that arrive between tasks).
 * </ol>
 * and then, per batch, {@link Fit#follow}: <b>follows the schedule</b>, pinning the model's learning rate to the
 * batch's global step (DL4J resets an executor model's iteration count to the mesh's start position), and syncs the
 * parameters before the first batch if DL4J built the model only after {@link #begin} (an executor's first epoch).
 */
final class ExecutorSession {
  private static final Logger LOG = LogManager.getLogger(ExecutorSession.class);
  private static final ExecutorSession THIS_JVM = new ExecutorSession();

  /** The gradient-sharing session this JVM's parameter server belongs to; -1 before the first. */
  private long generation = -1;
  /** The broadcast of driver parameters last copied into the trained model; -1 before the first. */
  private long syncedBroadcast = -1;

  private ExecutorSession() {}

  /** This JVM's session. */
  static ExecutorSession get() {
    return THIS_JVM;
  }

  /**
   * What an executor needs to know of the driver's session for one epoch; serializable, shipped with the partition
   * function.
   *
   * @param generation     the driver's session number: a new one means a new mesh
   * @param startParams    the driver's parameters at the epoch's start (the driver destroys the broadcast after the fit)
   * @param epochStartStep the run's global step when this epoch starts: worker w's local step s is global step
   *                       epochStartStep + s * workers + w, at which the learning-rate schedule is evaluated
   * @param workers        workers of the run
   * @param aeron          the cluster's Aeron settings, or null in Spark local mode (no transport of its own)
   * @param master         the number of the driver's training master for this session ({@link Dl4jInternals#masterId})
   */
  record Plan(long generation, Broadcast<INDArray> startParams, long epochStartStep, int workers, ClusterConfig.Aeron aeron, long master)
      implements Serializable {}

  /**
   * Starts one fit of a partition in this JVM (steps 1-4 above).
   *
   * @throws dev.tandem.ps.Dl4jIncompatibleException if DL4J's internals are not those this was written for
   * @throws IllegalStateException if the driver's parameters do not fit this executor's model
   */
  synchronized Fit begin(Plan plan) {
    String executor = executorId();
    boolean driverJvm = executor == null || executor.equals("driver");
    if (plan.aeron() != null && !driverJvm) {
      AeronNode.prepare(plan.aeron(), "executor-" + executor);
    }
    Dl4jInternals dl4j = Dl4jInternals.verified();
    if (!join(plan.generation(), driverJvm)) {
      syncParameters(dl4j, plan);
    }
    // else: a new session comes with a new training master, for which DL4J drops the model it holds (the previous
    // session's, possibly another network: a refit has its own vocabulary) and builds one from the broadcast only when
    // the training task starts; Fit#follow syncs that one before its first batch
    if (!dl4j.acceptUpdates() && !driverJvm && dl4j.trainingModel().isPresent()) {
      // DL4J creates the consumer together with the model; a model without one would drop every update between tasks
      LOG.warn("executor {} trains a model but DL4J's update consumer is missing: updates that arrive between its tasks "
          + "are dropped ({})", executor, Dl4jInternals.versions());
    }
    return new Fit(plan, dl4j);
  }

  /**
   * Leaves the old mesh when the driver's session changed: DL4J would otherwise keep this executor's transport attached
   * to it, and build the new session's model without one. Not in the driver's JVM (Spark local mode): there the
   * parameter server is the driver's own, which the driver's session rebuilds itself.
   *
   * @return whether this fit belongs to a session this JVM has not trained in before
   */
  private boolean join(long next, boolean driverJvm) {
    long before = generation;
    generation = next;
    boolean changed = before != next;
    if (driverJvm || before == -1 || !changed) {
      return changed;
    }
    ModelParameterServer mps = ModelParameterServer.getInstance();
    if (mps.isInitialized()) {
      LOG.info("the driver started gradient-sharing session {} (this executor was in {}): leaving the old mesh", next, before);
      mps.shutdown();
    }
    return true;
  }

  /**
   * Starts this executor's epoch from the driver's parameters, once per fit (broadcast), before any of its batches is
   * trained; nothing to do while DL4J has not built the model yet.
   */
  private synchronized void syncParameters(Dl4jInternals dl4j, Plan plan) {
    Broadcast<INDArray> start = plan.startParams();
    if (start == null || syncedBroadcast == start.id()) {
      return;
    }
    Model m = dl4j.trainingModel().orElse(null);
    if (m == null) {
      return;
    }
    if (dl4j.wrapperMaster().orElse(plan.master()) != plan.master()) {
      // the model DL4J holds is the previous master's (DL4J's counting pass of a new session iterates the batches
      // before the training task makes it build this session's model): there is nothing of this session to sync yet
      LOG.debug("executor {}: the model held belongs to training master {}, not {}: syncing when it is built", executorId(),
          dl4j.wrapperMaster().getAsLong(), plan.master());
      return;
    }
    copyDriverParameters(start.value(), m, executorId());
    syncedBroadcast = start.id();
  }

  /**
   * Copies the driver's parameters into the model this executor trains.
   *
   * @throws IllegalStateException if their sizes differ: the executor would train another model than the driver's
   */
  static void copyDriverParameters(INDArray driver, Model trained, String executor) {
    if (driver.length() != trained.numParams()) {
      throw new IllegalStateException("executor " + executor + ": the driver's parameters of this epoch have " + driver.length()
          + " values but the model DL4J trains here has " + trained.numParams() + ": the executor would train another model than the driver's");
    }
    trained.params().assign(driver);
  }

  /** Pins the trained model's learning-rate schedule to a global step. */
  private static void followSchedule(Dl4jInternals dl4j, long globalStep) {
    Model m = dl4j.trainingModel().orElse(null);
    if (m instanceof ComputationGraph g) {
      LearningRateSchedule.pinAll(g, globalStep, true);
    }
  }

  /** Spark's id of this JVM: "driver", an executor id, or null outside Spark. */
  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? null : env.executorId();
  }

  /** One fit of a partition: wraps each worker's batches so the schedule follows them. */
  final class Fit {
    private final Plan plan;
    private final Dl4jInternals dl4j;

    private Fit(Plan plan, Dl4jInternals dl4j) {
      this.plan = plan;
      this.dl4j = dl4j;
    }

    /**
     * Worker {@code worker}'s batches, in step order, each handed out after the model's schedule was pinned to its
     * global step (and, before the first, the parameters synced if the model is new).
     */
    Iterator<MultiDataSet> follow(int worker, Iterator<MultiDataSet> batches) {
      return new Iterator<>() {
        private int step;

        @Override
        public boolean hasNext() {
          return batches.hasNext();
        }

        @Override
        public MultiDataSet next() {
          if (!batches.hasNext()) {
            throw new NoSuchElementException();
          }
          if (step == 0) {
            syncParameters(dl4j, plan); // an executor's first epoch: its model exists only now
          }
          followSchedule(dl4j, plan.epochStartStep() + (long) step * plan.workers() + worker);
          step++;
          return batches.next();
        }
      };
    }
  }
}
