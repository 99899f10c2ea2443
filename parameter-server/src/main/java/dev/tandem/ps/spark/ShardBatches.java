package dev.tandem.ps.spark;

import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.ps.AeronNode;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.LearningRateSchedule;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.TrainingLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs on an executor: turns the worker indices of a partition into that worker's minibatches for one epoch, read from
 * its own train shards of the prepared dataset (HDFS or a shared file system), shuffled by (seed, epoch, worker).
 * Training data never travels through Spark. It also prepares the executor's Aeron directory before DL4J starts its
 * transport (this function runs first in the partition's pipeline).
 */
public final class ShardBatches implements FlatMapFunction<Iterator<Integer>, MultiDataSet> {
  private static final long serialVersionUID = 1L;
  private static final Map<String, Examples> CACHE = new ConcurrentHashMap<>();

  private final String dataset;
  private final String specJson;
  private final float[] itemLogq;
  private final int batch;
  private final long seed;
  private final int epoch;
  private final int workers;
  private final ClusterConfig.Aeron aeron;
  private final long epochStartStep;
  private final Broadcast<INDArray> startParams;
  private final long generation;
  private static final java.util.concurrent.atomic.AtomicLong GENERATION = new java.util.concurrent.atomic.AtomicLong(-1);
  private static final java.util.concurrent.atomic.AtomicLong SYNCED = new java.util.concurrent.atomic.AtomicLong(-1);

  /**
   * @param epochStartStep the run's global step when this epoch starts: worker w's local step s is global step
   *     epochStartStep + s * workers + w, at which the learning-rate schedule is evaluated
   */
  public ShardBatches(String dataset, ModelSpec spec, float[] itemLogq, int batch, long seed, int epoch, int workers, long epochStartStep,
      Broadcast<INDArray> startParams, long generation, ClusterConfig.Aeron aeron) {
    this.dataset = dataset;
    try {
      this.specJson = Persisted.json().writeValueAsString(spec);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    this.itemLogq = itemLogq;
    this.batch = batch;
    this.seed = seed;
    this.epoch = epoch;
    this.workers = workers;
    this.aeron = aeron;
    this.epochStartStep = epochStartStep;
    this.startParams = startParams;
    this.generation = generation;
  }

  @Override
  public Iterator<MultiDataSet> call(Iterator<Integer> workerIds) throws Exception {
    SparkEnv env = SparkEnv.get();
    String id = env == null ? "local" : env.executorId();
    if (aeron != null && !"driver".equals(id)) {
      AeronNode.prepare(aeron, "executor-" + id);
    }
    joinSession();
    syncParameters();
    Dl4jInternals.acceptUpdates(); // from now until this epoch's training ends (DL4J's count pass runs this on every executor first)
    ModelSpec spec = Persisted.json().readValue(specJson, ModelSpec.class);
    RecommenderModel batcher = spec.isTwoTower() ? new TwoTowerModel(spec, null, itemLogq) : new RankingModel(spec, null);
    List<Integer> ids = new ArrayList<>();
    workerIds.forEachRemaining(ids::add);
    List<Iterator<MultiDataSet>> parts = new ArrayList<>();
    for (int w : ids) {
      Examples data = examples(spec, w);
      parts.add(batches(batcher, data, w));
    }
    return concat(parts);
  }

  /** This worker's share of the training examples (cached for the JVM: the same every epoch). */
  private Examples examples(ModelSpec spec, int worker) {
    return CACHE.computeIfAbsent(dataset + "#" + worker + "/" + workers + "#" + spec.isTwoTower(), k -> {
      PreparedDataset ds = PreparedDataset.open(dataset);
      List<EventBatch> mine = new ArrayList<>();
      for (ColumnFile.Written shard : ds.shardsFor(SplitName.TRAIN, worker, workers)) {
        mine.add(ds.read(SplitName.TRAIN, shard));
      }
      if (mine.isEmpty()) {
        throw new IllegalStateException("worker " + worker + " of " + workers + " has no train shard in " + dataset
            + " (the dataset has " + ds.shards(SplitName.TRAIN).size() + "; prepare it with dataset.min_shards >= the number of workers)");
      }
      Examples all = Examples.of(ds, EventBatch.concat(mine));
      return spec.isTwoTower() ? all.positives() : all;
    });
  }

  private Iterator<MultiDataSet> batches(RecommenderModel batcher, Examples data, int worker) {
    int n = data.size();
    int[] order = TrainingLoop.permutation(n, seed * 31 + worker, epoch);
    // two-tower: only full batches (in-batch negatives); ranking: the remainder too
    int steps = batcher instanceof TwoTowerModel ? n / batch : (n + batch - 1) / batch;
    return new Iterator<>() {
      private int step;

      @Override
      public boolean hasNext() {
        return step < steps;
      }

      @Override
      public MultiDataSet next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int lo = step * batch;
        int[] idx = Arrays.copyOfRange(order, lo, Math.min(n, lo + batch));
        long stepSeed = (seed * 1_000_003L + epoch) * 7919L + worker * 104_729L + step;
        if (step == 0) {
          syncParameters(); // an executor's first epoch: its model exists only now
        }
        followSchedule(epochStartStep + (long) step * workers + worker);
        step++;
        return batcher.batch(data, idx, stepSeed);
      }
    };
  }

  /**
   * When the driver rebuilt the gradient-sharing session (after an executor was lost), leaves the old mesh: DL4J would
   * otherwise keep this executor's transport attached to the old one, and build the new session's model without one.
   */
  private void joinSession() {
    long before = GENERATION.getAndSet(generation);
    if (before != -1 && before != generation) {
      org.nd4j.parameterserver.distributed.v2.ModelParameterServer mps = org.nd4j.parameterserver.distributed.v2.ModelParameterServer.getInstance();
      if (mps.isInitialized()) {
        mps.shutdown();
      }
    }
  }

  /**
   * Starts this executor's epoch from the driver's parameters. DL4J builds an executor's model once, from the first
   * epoch's broadcast, and from then on trusts the executor and the driver to apply the same stream of updates; any
   * update lost or late on either side (an executor that joins later, a restarted one, UDP loss) would make them drift
   * apart for the rest of the run. Once per fit and executor, before any of its batches is trained.
   */
  private void syncParameters() {
    if (startParams == null) {
      return;
    }
    Dl4jInternals.trainingModel().ifPresent(m -> {
      if (SYNCED.getAndSet(startParams.id()) != startParams.id()) {
        INDArray p = startParams.value();
        if (p.length() == m.numParams()) {
          m.params().assign(p);
        }
      }
    });
  }

  /**
   * DL4J's shared training resets an executor model's iteration count to the mesh's start position, so a
   * learning-rate schedule evaluated by iteration would stay at its first value (the warm-up's smallest rate). The
   * batches know the global step they belong to: pin the executor model's schedule to it before each one is trained.
   */
  private static void followSchedule(long globalStep) {
    Dl4jInternals.trainingModel().ifPresent(m -> {
      if (m instanceof ComputationGraph g) {
        LearningRateSchedule.pinAll(g, globalStep, true);
      }
    });
  }

  /** The parts one after another, lazily: batches are built as training consumes them. */
  private static Iterator<MultiDataSet> concat(List<Iterator<MultiDataSet>> parts) {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        while (i < parts.size() && !parts.get(i).hasNext()) {
          i++;
        }
        return i < parts.size();
      }

      @Override
      public MultiDataSet next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return parts.get(i).next();
      }
    };
  }
}
