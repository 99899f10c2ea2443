package dev.tandem.trainer.train;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import java.util.Arrays;
import org.deeplearning4j.parallelism.ParallelWrapper;

/**
 * Measures training throughput (examples per second) of a model on a dataset's train split, with one worker (the
 * serial loop) or several (ParallelWrapper, one model replica per thread). Used by {@code tandem bench train}.
 */
public final class Throughput {
  private Throughput() {}

  /** Result of a measurement: examples/s of each timed epoch, and their median. */
  public record Result(String model, int batch, int workers, double[] perEpoch, double median, double msPerStep) {}

  public static Result measure(String name, PreparedDataset ds, ModelSpec spec, TrainConfig train, int workers, int epochs, long seed) {
    Examples split = Examples.of(ds, ds.read(SplitName.TRAIN));
    Examples data = spec.isTwoTower() ? split.positives() : split;
    int batch = train.batchSize();
    int steps = spec.isTwoTower() ? data.size() / batch : (data.size() + batch - 1) / batch;
    RecommenderModel model = spec.isTwoTower()
        ? TwoTowerModel.create(spec, train, seed, steps * (epochs + 1), TwoTowerModel.itemLogq(data, ds.items().size()))
        : RankingModel.create(spec, train, seed, steps * (epochs + 1));
    ParallelWrapper pw = workers > 1 ? ParallelEpochs.wrapper(model, workers) : null;
    double[] rates = new double[epochs];
    long global = 0;
    try {
      for (int e = 0; e <= epochs; e++) {
        int[] order = TrainingLoop.permutation(data.size(), seed, e);
        long t0 = System.nanoTime();
        if (pw == null) {
          for (int s = 0; s < steps; s++) {
            int[] idx = Arrays.copyOfRange(order, s * batch, Math.min(order.length, (s + 1) * batch));
            SerialEpochs.step(model, data, idx, global++, seed);
          }
        } else {
          pw.fit(new EpochBatches(model, data, order, batch, 0, steps, seed, global, null));
          global += steps;
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        if (e > 0) { // the first epoch warms the JIT and ND4J's workspaces
          rates[e - 1] = (double) steps * batch / sec;
        }
      }
    } finally {
      if (pw != null) {
        pw.shutdown();
      }
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    return new Result(name, batch, workers, rates, median, 1000.0 * batch / median);
  }
}
