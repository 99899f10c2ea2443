package dev.tandem.trainer.train;

import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.TableStats;
import dev.tandem.trainer.model.EmbeddingsConfig;
import dev.tandem.trainer.model.InputGroup;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.SparseEmbeddings;
import dev.tandem.trainer.model.TwoTowerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Step cost against id space: a two-tower model whose user and item tables each span {@code ids} ids, trained on
 * batches of ids drawn uniformly (the worst case for any cache: almost every id of a batch is distinct), with the
 * tables beside the network (filled with every id first, so a table holds all of its id space) or inside it. What
 * {@code tandem bench embeddings} prints.
 */
public final class IdSpaceThroughput {
  private IdSpaceThroughput() {}

  /**
   * One measurement.
   *
   * @param rows            rows the user table held at the end (beside the network), or its row count (inside)
   * @param bytesPerRow     the user table's bytes per held row, all its arrays included (beside); NaN inside
   * @param idealBytesPerRow a row's floats plus its optimizer state
   * @param fillSeconds     time to admit every id before training (beside)
   */
  public record Result(long ids, boolean beside, String optimizer, int batch, int steps, double examplesPerSecond, double msPerStep,
      long rows, double bytesPerRow, long idealBytesPerRow, double fillSeconds) {}

  public static Result measure(long ids, boolean beside, RowOptimizer.Kind optimizer, int dim, int batch, int warmup, int steps, long seed) {
    if (ids > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("at most " + Integer.MAX_VALUE + " ids per table");
    }
    int n = (int) ids;
    EmbeddingsConfig e = beside ? EmbeddingsConfig.of(EmbeddingsConfig.Store.IN_PROCESS, optimizer, null, ids, null, null, null)
        : EmbeddingsConfig.IN_NETWORK;
    ModelConfig c = ModelConfig.of(ModelConfig.Type.TWO_TOWER, dim, List.of(64), 32, null, null, null, null, null, null, null, null, null, null, e);
    ModelSpec spec = new ModelSpec(c, group("user", n), group("item", n), ModelSpec.Targets.LABEL);
    float[] logq = new float[n];
    Arrays.fill(logq, (float) Math.log(1.0 / n));
    TwoTowerModel model = TwoTowerModel.create(spec, TrainConfig.DEFAULT, seed, warmup + steps, logq);
    SparseEmbeddings sparse = model.sparse();
    double fill = 0;
    if (sparse != null) {
      long t0 = System.nanoTime();
      int chunk = 1 << 16;
      long[] chunkIds = new long[chunk];
      int[] counts = new int[chunk];
      Arrays.fill(counts, 1);
      float[] out = new float[chunk * dim];
      for (int t = 0; t < 2; t++) {
        for (int from = 0; from < n; from += chunk) {
          int m = Math.min(chunk, n - from);
          for (int i = 0; i < m; i++) {
            chunkIds[i] = from + i;
          }
          sparse.store().pull(t, 0, chunkIds, counts, m, out);
        }
      }
      fill = (System.nanoTime() - t0) / 1e9;
    }
    SplittableRandom r = new SplittableRandom(seed);
    long start = 0;
    for (int s = 0; s < warmup + steps; s++) {
      if (s == warmup) {
        start = System.nanoTime();
      }
      MultiDataSet mds = batch(r, n, batch, logq[0]);
      if (sparse == null) {
        model.graph().fit(mds);
      } else {
        model.graph().fit(sparse.pull(mds, s + 1));
        sparse.push(model.graph(), s + 1);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long rows = n;
    double bytesPerRow = Double.NaN;
    long ideal = 4L * (dim + RowOptimizer.of(optimizer).stateFloats(dim));
    if (sparse != null) {
      TableStats st = sparse.store().stats(0);
      rows = st.rows();
      bytesPerRow = st.bytesPerRow();
      ideal = st.idealBytesPerRow();
      sparse.close();
    }
    return new Result(ids, beside, optimizer.key(), batch, steps, (double) steps * batch / seconds, seconds * 1000 / steps, rows, bytesPerRow,
        ideal, fill);
  }

  private static InputGroup group(String name, int ids) {
    return new InputGroup(name, List.of(name + "_id"), new int[] {0}, ids, List.of(), new int[0], 0, List.of(), new int[] {0}, List.of(),
        new int[0], 0);
  }

  private static MultiDataSet batch(SplittableRandom r, int n, int batch, float logq) {
    float[] users = new float[batch];
    float[] items = new float[batch];
    float[] labels = new float[batch * 3];
    for (int i = 0; i < batch; i++) {
      users[i] = r.nextInt(n);
      items[i] = r.nextInt(n);
      labels[3 * i] = 1;
      labels[3 * i + 1] = logq;
      labels[3 * i + 2] = items[i];
    }
    List<org.nd4j.linalg.api.ndarray.INDArray> f = new ArrayList<>();
    f.add(Nd4j.create(users, new long[] {batch, 1}, 'c'));
    f.add(Nd4j.create(items, new long[] {batch, 1}, 'c'));
    return new org.nd4j.linalg.dataset.MultiDataSet(f.toArray(new org.nd4j.linalg.api.ndarray.INDArray[0]),
        new org.nd4j.linalg.api.ndarray.INDArray[] {Nd4j.create(labels, new long[] {batch, 3}, 'c')});
  }
}
