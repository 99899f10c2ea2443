package dev.tandem.trainer.model;

import dev.tandem.trainer.embedding.EmbeddingStore;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import dev.tandem.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A model's embedding tables kept in an {@link EmbeddingStore} beside its graph (one table per input group with
 * indexed features), and the two halves of a training step around the graph's {@code fit}: {@link #pull} turns a
 * minibatch's indices into the rows they name, {@link #push} hands the rows' gradients back to the store.
 *
 * <p>The gradients are what the in-network table would receive: the rows' gradients summed per id, divided by the
 * minibatch size (as DL4J's updater does) and clipped to {@code train.gradient_clip} over the whole table (as DL4J's
 * per-layer clipping does; rows absent from the batch have zero gradient either way). Weight decay is applied by the
 * store to the rows it updates only. Not thread-safe: one trainer thread.
 */
public final class SparseEmbeddings implements AutoCloseable {
  /** Tandem's in-network tables start from N(0, 0.05²) too. */
  static final double INIT_STD = 0.05;
  /** Ids per table: indices reach the graph as floats, exact up to 2^24. */
  public static final int MAX_IDS = 1 << 24;

  /** Plain SGD: a graph for inference needs no updater state (Adam's would triple a large table's memory). */
  private static final TrainConfig INFERENCE = TrainConfig.of(null, null, TrainConfig.Optimizer.SGD, null, null, null, null, null, null, null,
      null, null, null, null, null, null, null);

  private final EmbeddingStore store;
  private final List<Group> groups = new ArrayList<>();
  private final double gradientClip;

  /** One table and where its group's rows enter the graph; what the last pull looked up. */
  private static final class Group {
    final InputGroup grp;
    final int table;
    final int featureIndex;
    final int dim;
    long[] ids = new long[0];
    int[] counts = new int[0];
    int distinct;
    int[] inverse = new int[0];
    int minibatch;
    float[] gradients = new float[0];

    Group(InputGroup grp, int table, int featureIndex, int dim) {
      this.grp = grp;
      this.table = table;
      this.featureIndex = featureIndex;
      this.dim = dim;
    }
  }

  /**
   * @param spec  a model spec whose tables live beside the network
   * @param store its tables, in the order {@link #tables} lists them; owned by this object from now on
   */
  public SparseEmbeddings(ModelSpec spec, EmbeddingStore store, double gradientClip) {
    this.store = store;
    this.gradientClip = gradientClip;
    int table = 0;
    int featureIndex = 0;
    for (InputGroup g : groups(spec)) {
      if (g.hasCategorical()) {
        if (!store.tables().get(table).name().equals(g.name())) {
          throw new IllegalArgumentException("store table " + table + " is " + store.tables().get(table).name() + ", not " + g.name());
        }
        groups.add(new Group(g, table++, featureIndex, spec.config().embeddingDim()));
      }
      featureIndex += g.inputNames().size();
    }
  }

  private static List<InputGroup> groups(ModelSpec spec) {
    return spec.item() == null ? List.of(spec.query()) : List.of(spec.query(), spec.item());
  }

  /** The tables of a model whose embeddings live beside the network: one per input group with indexed features. */
  public static List<TableSpec> tables(ModelSpec spec, TrainConfig train, long seed) {
    EmbeddingsConfig e = spec.config().embeddings();
    RowOptimizer.Kind kind = e.optimizer() != null ? e.optimizer() : switch (train.optimizer()) {
      case ADAM -> RowOptimizer.Kind.LAZY_ADAM;
      case ADAGRAD -> RowOptimizer.Kind.ADAGRAD;
      case SGD -> RowOptimizer.Kind.SGD;
    };
    List<TableSpec> out = new ArrayList<>();
    for (InputGroup g : groups(spec)) {
      if (g.hasCategorical()) {
        if (g.tableSize() > MAX_IDS) {
          // the batch carries indices as floats (InputGroup.arrays), exact only up to 2^24
          throw new dev.tandem.config.ConfigException("model.embeddings", "the " + g.name() + " table spans " + g.tableSize()
              + " ids; at most " + MAX_IDS + " per table (lower the features' hash_buckets)");
        }
        out.add(new TableSpec(g.name(), spec.config().embeddingDim(), g.tableSize(), RowOptimizer.of(kind), train.weightDecay(), INIT_STD,
            seed * 1_000_003L + out.size(), e.admitAfter(), e.capacity(), e.eviction(), e.maxAge(), e.sketchWidth()));
      }
    }
    return out;
  }

  /** A new in-process store for a spec's tables. */
  public static SparseEmbeddings inProcess(ModelSpec spec, TrainConfig train, long seed) {
    return new SparseEmbeddings(spec, new InProcessEmbeddingStore(tables(spec, train, seed)), train.gradientClip());
  }

  /**
   * The tables of a spec in the store its {@code model.embeddings.store} names: a new in-process store, or the
   * parameter-server shards {@code shards} reaches (connected, with the tables opened there).
   *
   * @param shards required for a sharded store, ignored otherwise
   */
  public static SparseEmbeddings open(ModelSpec spec, TrainConfig train, long seed, ShardedStore.Settings shards) {
    if (spec.config().embeddings().store() != EmbeddingsConfig.Store.SHARDED) {
      return inProcess(spec, train, seed);
    }
    if (shards == null) {
      throw new IllegalArgumentException("model.embeddings.store: sharded needs cluster.parameter_server");
    }
    return new SparseEmbeddings(spec, ShardedStore.connect(shards, tables(spec, train, seed)), train.gradientClip());
  }

  /** The clipping threshold of each table's gradient per step (0: none). */
  public double gradientClip() {
    return gradientClip;
  }

  /** The store (owned by this object). */
  public EmbeddingStore store() {
    return store;
  }

  /**
   * The minibatch with each table's indices (input {@code PREFIX_cat}) replaced by the rows they name
   * ({@code PREFIX_rows}, {@code [mb, F * dim]}), pulled from the store for training step {@code step}.
   */
  public MultiDataSet pull(MultiDataSet batch, long step) {
    INDArray[] features = batch.getFeatures().clone();
    for (Group g : groups) {
      INDArray cat = features[g.featureIndex];
      int mb = (int) cat.size(0);
      int f = (int) cat.size(1);
      float[] idx = cat.dup('c').data().asFloat();
      distinct(g, idx, mb * f);
      float[] rows = new float[g.distinct * g.dim];
      store.pull(g.table, step, g.ids, g.counts, g.distinct, rows);
      float[] in = new float[mb * f * g.dim];
      for (int p = 0; p < mb * f; p++) {
        System.arraycopy(rows, g.inverse[p] * g.dim, in, p * g.dim, g.dim);
      }
      g.minibatch = mb;
      features[g.featureIndex] = Nd4j.create(in, new long[] {mb, (long) f * g.dim}, 'c');
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(features, batch.getLabels(), batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
  }

  /** The batch's distinct ids (in increasing order), how often each occurs, and which one each position holds. */
  private static void distinct(Group g, float[] idx, int n) {
    long[] packed = new long[n];
    for (int p = 0; p < n; p++) {
      packed[p] = ((long) idx[p] << 24) | p; // ids below 2^39, positions below 2^24
    }
    Arrays.sort(packed);
    if (g.ids.length < n) {
      g.ids = new long[n];
      g.counts = new int[n];
    }
    if (g.inverse.length < n) {
      g.inverse = new int[n];
    }
    int d = -1;
    long last = -1;
    for (long v : packed) {
      long id = v >>> 24;
      if (id != last) {
        d++;
        g.ids[d] = id;
        g.counts[d] = 0;
        last = id;
      }
      g.counts[d]++;
      g.inverse[(int) (v & 0xFFFFFF)] = d;
    }
    g.distinct = d + 1;
  }

  /**
   * Hands the gradients of the rows the last {@link #pull} looked up to the store, from the graph that has just been
   * fitted on that minibatch; {@code step} is the same step, whose learning rate the graph's schedule gives.
   */
  public void push(ComputationGraph graph, long step) {
    double lr = learningRate(graph, step);
    for (Group g : groups) {
      EmbeddingRowsLayer layer = (EmbeddingRowsLayer) graph.getLayer(g.grp.name() + "_emb");
      float[] eps = layer.rowGradients();
      if (layer.gradientRows() != g.minibatch) {
        throw new IllegalStateException("table " + g.grp.name() + ": the graph backpropagated " + layer.gradientRows()
            + " rows, the pull looked up " + g.minibatch);
      }
      int positions = g.minibatch * g.grp.categorical().size();
      if (g.gradients.length < g.distinct * g.dim) {
        g.gradients = new float[g.distinct * g.dim];
      }
      float[] acc = g.gradients;
      Arrays.fill(acc, 0, g.distinct * g.dim, 0f);
      for (int p = 0; p < positions; p++) {
        int to = g.inverse[p] * g.dim;
        int from = p * g.dim;
        for (int k = 0; k < g.dim; k++) {
          acc[to + k] += eps[from + k];
        }
      }
      float mb = g.minibatch;
      for (int i = 0; i < g.distinct * g.dim; i++) {
        acc[i] /= mb;
      }
      if (gradientClip > 0) {
        // DL4J clips each layer's gradient by its own norm: here each table is a layer
        double norm = 0;
        for (int i = 0; i < g.distinct * g.dim; i++) {
          norm += (double) acc[i] * acc[i];
        }
        norm = Math.sqrt(norm);
        if (norm > gradientClip) {
          float scale = (float) (gradientClip / norm);
          for (int i = 0; i < g.distinct * g.dim; i++) {
            acc[i] *= scale;
          }
        }
      }
      store.push(g.table, step, g.ids, g.distinct, acc, lr);
    }
  }

  /** The learning rate of the graph's own schedule at a step (the rate its layers used for that step). */
  static double learningRate(ComputationGraph graph, long step) {
    for (Layer l : graph.getLayers()) {
      IUpdater u = l.conf().getLayer().getUpdaterByParam("W");
      if (u != null && u.hasLearningRate()) {
        return u.getLearningRate((int) step, graph.getEpochCount());
      }
    }
    throw new IllegalStateException("the graph has no layer with a learning rate");
  }

  /**
   * The same model with its tables back inside the network, for evaluation and serving: a graph laid out as an
   * in-network model of the same spec, holding the trained graph's parameters and, as each table's weights, the rows
   * the store holds (rows it does not hold, never admitted or evicted, are zeros: what training read for them).
   */
  public RecommenderModel inNetwork(RecommenderModel trained) {
    ModelSpec spec = trained.spec();
    ModelSpec plain = new ModelSpec(spec.config().withEmbeddings(EmbeddingsConfig.IN_NETWORK), spec.query(), spec.item(), spec.targets());
    ComputationGraph g = new ComputationGraph(spec.isTwoTower()
        ? TwoTowerModel.configuration(plain, INFERENCE, 0, 1, TwoTowerModel.Part.FULL)
        : RankingModel.configuration(plain, INFERENCE, 0, 1));
    g.init();
    for (Layer l : g.getLayers()) {
      String name = l.conf().getLayer().getLayerName();
      Group table = groups.stream().filter(x -> (x.grp.name() + "_emb").equals(name)).findFirst().orElse(null);
      if (table != null) {
        l.getParam("W").assign(rows(table));
      } else if (l.numParams() > 0) {
        l.setParams(trained.graph().getLayer(name).params().dup());
      }
    }
    return spec.isTwoTower() ? new TwoTowerModel(plain, g, ((TwoTowerModel) trained).itemLogq()) : new RankingModel(plain, g);
  }

  /** Every row of a table's id space as the store holds it, {@code [idSpace, dim]}. */
  private INDArray rows(Group g) {
    int n = g.grp.tableSize();
    float[] out = new float[n * g.dim];
    int chunk = 4096;
    long[] ids = new long[chunk];
    float[] buf = new float[chunk * g.dim];
    for (int from = 0; from < n; from += chunk) {
      int m = Math.min(chunk, n - from);
      for (int i = 0; i < m; i++) {
        ids[i] = from + i;
      }
      store.lookup(g.table, ids, m, buf);
      System.arraycopy(buf, 0, out, from * g.dim, m * g.dim);
    }
    return Nd4j.create(out, new long[] {n, g.dim}, 'c');
  }

  @Override
  public void close() {
    store.close();
  }
}
