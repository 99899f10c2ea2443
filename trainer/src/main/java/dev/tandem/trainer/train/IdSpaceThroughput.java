package dev.tandem.trainer.train;

import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardedStore;
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
 * Step cost against id space: two-tower models whose user and item tables each span a number of ids, trained on
 * batches of ids drawn uniformly (the worst case for any cache: almost every id of a batch is distinct), with the
 * tables beside the network (filled with every id first, so a table holds all of its id space) or inside it. What
 * {@code tandem bench embeddings} prints.
 */
public final class IdSpaceThroughput {
  private IdSpaceThroughput() {}

  /**
   * One measurement: examples/s and ms/step of the median round.
   *
   * @param rows            rows the user table held at the end (beside the network), or its row count (inside)
   * @param bytesPerRow     the user table's bytes per held row, all its arrays included (beside); NaN inside
   * @param idealBytesPerRow a row's floats plus its optimizer state
   * @param fillSeconds     time to admit every id before training (beside)
   */
  public record Result(long ids, boolean beside, String optimizer, int batch, int steps, double examplesPerSecond, double msPerStep,
      long rows, double bytesPerRow, long idealBytesPerRow, double fillSeconds) {}

  /**
   * Measures every id space, beside the network and (up to {@code inNetworkMax} ids) inside it. The models are built
   * (and the stores filled) first; then {@code rounds} rounds each run {@code steps / rounds} timed steps of every
   * model in turn, so that load from other processes falls on every id space alike, and each result is the median
   * round. Holds every model at once: 10M ids per table with lazy Adam need about 6 GB of heap.
   */
  public static List<Result> measure(List<Long> ids, long inNetworkMax, RowOptimizer.Kind optimizer, int dim, int batch, int warmup,
      int steps, int rounds, long seed) {
    List<Setup> setups = new ArrayList<>();
    try {
      for (long n : ids) {
        setups.add(new Setup(n, true, optimizer, dim, batch, warmup + steps, seed));
        if (n <= inNetworkMax) {
          setups.add(new Setup(n, false, optimizer, dim, batch, warmup + steps, seed));
        }
      }
      for (Setup s : setups) {
        s.run(warmup);
      }
      int per = Math.max(1, steps / rounds);
      for (int r = 0; r < rounds; r++) {
        for (Setup s : setups) {
          long t0 = System.nanoTime();
          s.run(per);
          s.seconds.add((System.nanoTime() - t0) / 1e9);
        }
      }
      List<Result> out = new ArrayList<>();
      for (Setup s : setups) {
        out.add(s.result(per));
      }
      return out;
    } finally {
      for (Setup s : setups) {
        if (s.sparse != null) {
          s.sparse.close();
        }
      }
    }
  }

  /**
   * One id space with the tables on parameter-server shards: the model is built, the shards filled with every id, then
   * {@code rounds} rounds of {@code steps / rounds} timed steps; the result is the median round. {@code shards} says
   * how to reach the shards; what they hold afterwards is in {@link ShardedResult#shards}.
   */
  public static ShardedResult measureSharded(long ids, ShardedStore.Settings shards, RowOptimizer.Kind optimizer, int dim, int batch,
      int warmup, int steps, int rounds, long seed) {
    return measureSharded(ids, shards, optimizer, dim, batch, warmup, steps, rounds, seed, null);
  }

  /**
   * As {@link #measureSharded(long, ShardedStore.Settings, RowOptimizer.Kind, int, int, int, int, int, long)}, then, with
   * {@code checkpointDir} (a Hadoop URI), times a full checkpoint of the shards, one more round of training, an
   * incremental checkpoint, and restoring both onto the same shards.
   */
  public static ShardedResult measureSharded(long ids, ShardedStore.Settings shards, RowOptimizer.Kind optimizer, int dim, int batch,
      int warmup, int steps, int rounds, long seed, String checkpointDir) {
    Setup s = new Setup(ids, true, optimizer, dim, batch, warmup + steps, seed, shards);
    try {
      ShardedStore store = (ShardedStore) s.sparse.store();
      s.run(warmup);
      List<ShardedStore.ShardStats> before = store.shardStats();
      int per = Math.max(1, steps / rounds);
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        s.run(per);
        s.seconds.add((System.nanoTime() - t0) / 1e9);
      }
      List<ShardedStore.ShardStats> after = store.shardStats();
      long in = 0;
      long out = 0;
      long served = 0;
      long serviceCpu = 0;
      long processCpu = 0;
      for (int i = 0; i < after.size(); i++) {
        ShardedStore.ShardStats a = after.get(i);
        ShardedStore.ShardStats b = before.get(i);
        in += a.bytesIn() - b.bytesIn();
        out += a.bytesOut() - b.bytesOut();
        served += a.rowsPulled() - b.rowsPulled() + a.rowsPushed() - b.rowsPushed();
        serviceCpu += a.serviceCpuNanos() - b.serviceCpuNanos();
        processCpu = processCpu < 0 || a.processCpuNanos() < 0 ? -1 : processCpu + a.processCpuNanos() - b.processCpuNanos();
      }
      ShardCpu cpu = new ShardCpu(served, serviceCpu, processCpu, s.seconds.stream().mapToDouble(Double::doubleValue).sum());
      int timed = per * rounds;
      long denseParams = s.model.graph().numParams();
      Result result = s.result(per);
      Checkpoints cp = null;
      if (checkpointDir != null) {
        long t0 = System.nanoTime();
        List<ShardedStore.PartFile> full = store.checkpoint(checkpointDir + "/full", s.step, false);
        double fullSeconds = (System.nanoTime() - t0) / 1e9;
        s.run(per);
        t0 = System.nanoTime();
        List<ShardedStore.PartFile> delta = store.checkpoint(checkpointDir + "/delta", s.step, true);
        double deltaSeconds = (System.nanoTime() - t0) / 1e9;
        List<ShardedStore.PartFile> all = new ArrayList<>(full);
        all.addAll(delta);
        t0 = System.nanoTime();
        store.restore(all);
        double restoreSeconds = (System.nanoTime() - t0) / 1e9;
        cp = new Checkpoints(fullSeconds, full.stream().mapToLong(ShardedStore.PartFile::bytes).sum(), deltaSeconds,
            delta.stream().mapToLong(ShardedStore.PartFile::bytes).sum(), restoreSeconds);
      }
      return new ShardedResult(result, store.shards(), shards.staleness(), (double) in / timed, (double) out / timed,
          4L * (2 * ids * dim + denseParams), after, cpu, cp);
    } finally {
      s.sparse.close();
    }
  }

  /**
   * A measurement with the tables on shards.
   *
   * @param bytesToShardsPerStep   what the worker sent the shards per timed step (ids, counts, row gradients)
   * @param bytesFromShardsPerStep what the shards sent back per timed step (rows, acknowledgements)
   * @param denseBytesPerStep      what one step's gradient of the same model with its tables inside the network takes
   *                               as dense floats: what gradient sharing would have to encode every step
   * @param shards                 each shard's state after the run
   * @param cpu                    what the shards' CPUs spent on the timed steps
   */
  public record ShardedResult(Result result, int shardCount, int staleness, double bytesToShardsPerStep, double bytesFromShardsPerStep,
      long denseBytesPerStep, List<ShardedStore.ShardStats> shards, ShardCpu cpu, Checkpoints checkpoints) {}

  /**
   * The shards' CPU over the timed steps, summed over shards: what serving a row costs a shard, measured on its own
   * clocks, so that it holds apart from how many cores the machine gave the shards and the worker.
   *
   * @param rowsServed      rows pulled plus row gradients pushed
   * @param serviceCpuNanos CPU time the shards' request threads spent handling messages (idle polling excluded)
   * @param processCpuNanos CPU time of the shards' whole processes (media drivers and idle polling included); -1 if a
   *                        JVM does not report it
   * @param wallSeconds     the timed steps' wall time
   */
  public record ShardCpu(long rowsServed, long serviceCpuNanos, long processCpuNanos, double wallSeconds) {
    /** Microseconds of a request thread per row served: the floor of a row's cost. */
    public double serviceMicrosPerRow() {
      return rowsServed == 0 ? Double.NaN : serviceCpuNanos / 1e3 / rowsServed;
    }

    /** Microseconds of the shard processes' CPU per row served: the ceiling (idle polling counts too). */
    public double processMicrosPerRow() {
      return rowsServed == 0 || processCpuNanos < 0 ? Double.NaN : processCpuNanos / 1e3 / rowsServed;
    }

    /** Cores the shards' processes kept busy over the timed steps, summed over shards. */
    public double processCores() {
      return processCpuNanos < 0 || wallSeconds <= 0 ? Double.NaN : processCpuNanos / 1e9 / wallSeconds;
    }
  }

  /**
   * Checkpoint costs of the shards (null when not measured): a full checkpoint (every row), an incremental one after
   * one more round of steps, and restoring full + incremental onto the same shards.
   */
  public record Checkpoints(double fullSeconds, long fullBytes, double deltaSeconds, long deltaBytes, double restoreSeconds) {}

  /** One model, its store filled with every id, and the batches it trains on. */
  private static final class Setup {
    final long ids;
    final boolean beside;
    final RowOptimizer.Kind optimizer;
    final int dim;
    final int batch;
    final int n;
    final TwoTowerModel model;
    final SparseEmbeddings sparse;
    final SplittableRandom random;
    final float logq;
    final double fill;
    final List<Double> seconds = new ArrayList<>();
    long step = 1;

    Setup(long ids, boolean beside, RowOptimizer.Kind optimizer, int dim, int batch, int plannedSteps, long seed) {
      this(ids, beside, optimizer, dim, batch, plannedSteps, seed, null);
    }

    Setup(long ids, boolean beside, RowOptimizer.Kind optimizer, int dim, int batch, int plannedSteps, long seed, ShardedStore.Settings shards) {
      if (ids > SparseEmbeddings.MAX_IDS) {
        throw new IllegalArgumentException("at most " + SparseEmbeddings.MAX_IDS + " ids per table");
      }
      this.ids = ids;
      this.beside = beside;
      this.optimizer = optimizer;
      this.dim = dim;
      this.batch = batch;
      this.n = (int) ids;
      EmbeddingsConfig e = !beside ? EmbeddingsConfig.IN_NETWORK
          : EmbeddingsConfig.of(shards == null ? EmbeddingsConfig.Store.IN_PROCESS : EmbeddingsConfig.Store.SHARDED, optimizer, null,
              shards == null ? ids : 0L, null, null, null);
      ModelConfig c = ModelConfig.of(ModelConfig.Type.TWO_TOWER, dim, List.of(64), 32, null, null, null, null, null, null, null, null, null,
          null, null, null, e);
      ModelSpec spec = new ModelSpec(c, group("user", n), group("item", n), ModelSpec.Targets.LABEL);
      float[] logqs = new float[n];
      this.logq = (float) Math.log(1.0 / n);
      Arrays.fill(logqs, logq);
      this.model = TwoTowerModel.create(spec, TrainConfig.DEFAULT, seed, plannedSteps, logqs,
          beside ? SparseEmbeddings.open(spec, TrainConfig.DEFAULT, seed, shards) : null);
      this.sparse = model.sparse();
      this.random = new SplittableRandom(seed);
      long t0 = System.nanoTime();
      if (sparse != null) {
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
      }
      this.fill = (System.nanoTime() - t0) / 1e9;
    }

    void run(int steps) {
      for (int s = 0; s < steps; s++) {
        MultiDataSet mds = batch(random, n, batch, logq);
        if (sparse == null) {
          model.graph().fit(mds);
        } else {
          model.graph().fit(sparse.pull(mds, step));
          sparse.push(model.graph(), step);
        }
        step++;
      }
    }

    Result result(int stepsPerRound) {
      double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      long rows = n;
      double bytesPerRow = Double.NaN;
      long ideal = 4L * (dim + RowOptimizer.of(optimizer).stateFloats(dim));
      if (sparse != null) {
        TableStats st = sparse.store().stats(0);
        rows = st.rows();
        bytesPerRow = st.bytesPerRow();
        ideal = st.idealBytesPerRow();
      }
      return new Result(ids, beside, optimizer.key(), batch, stepsPerRound * seconds.size(), (double) stepsPerRound * batch / median,
          median * 1000 / stepsPerRound, rows, bytesPerRow, ideal, fill);
    }
  }

  private static InputGroup group(String name, int ids) {
    return new InputGroup(name, List.of(name + "_id"), new int[] {0}, ids, List.of(), new int[0], 0, List.of(), new int[] {0}, List.of(),
        new int[0], 0, null, null, null, null);
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
