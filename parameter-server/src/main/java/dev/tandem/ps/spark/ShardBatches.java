package dev.tandem.ps.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.TrainingLoop;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One epoch's minibatches of a worker, read on the executor from that worker's own train shards of the prepared
 * dataset (HDFS or a shared file system) and shuffled by (seed, epoch, worker): training data never travels through
 * Spark. A batch source and nothing else: it reads shards and builds batches, and touches no model, no parameter
 * server and no DL4J state ({@link ExecutorSession} does that).
 */
final class ShardBatches implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Each worker's examples, per JVM: the same every epoch, so an executor reads its shards once per run. */
  private static final Map<String, Examples> CACHE = new ConcurrentHashMap<>();

  private final String dataset;
  private final String specJson;
  private final float[] itemLogq;
  private final int batch;
  private final long seed;
  private final int epoch;
  private final int workers;

  /**
   * @param dataset  the prepared dataset's directory (a URI every executor can read)
   * @param itemLogq the driver model's log-q correction (two-tower; null for ranking): batches carry it
   */
  ShardBatches(String dataset, ModelSpec spec, float[] itemLogq, int batch, long seed, int epoch, int workers) {
    this.dataset = dataset;
    try {
      this.specJson = Persisted.json().writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    this.itemLogq = itemLogq;
    this.batch = batch;
    this.seed = seed;
    this.epoch = epoch;
    this.workers = workers;
  }

  int workers() {
    return workers;
  }

  /**
   * Worker {@code worker}'s batches of this epoch in step order, built lazily as training consumes them. Two-tower
   * models get full batches only (in-batch negatives); ranking models the remainder too.
   */
  Iterator<MultiDataSet> forWorker(int worker) throws IOException {
    ModelSpec spec = Persisted.json().readValue(specJson, ModelSpec.class);
    RecommenderModel batcher = spec.isTwoTower() ? new TwoTowerModel(spec, null, itemLogq) : new RankingModel(spec, null);
    Examples data = examples(spec, worker);
    int n = data.size();
    int[] order = TrainingLoop.permutation(n, seed * 31 + worker, epoch);
    int steps = spec.isTwoTower() ? n / batch : (n + batch - 1) / batch;
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
        step++;
        return batcher.batch(data, idx, stepSeed);
      }
    };
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
}
