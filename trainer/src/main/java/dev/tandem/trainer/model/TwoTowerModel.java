package dev.tandem.trainer.model;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two-tower retrieval: a user tower and an item tower, each embedding its features, an MLP and an L2-normalised
 * output; trained with {@link InBatchSoftmaxLoss}. Scores are dot products of the two vectors, so the item side can
 * be precomputed for the whole catalogue and served by maximum-inner-product search.
 */
public final class TwoTowerModel implements RecommenderModel {
  public static final String USER_VECTOR = "user_vec";
  public static final String ITEM_VECTOR = "item_vec";

  /** Which part of the graph to build. */
  public enum Part { FULL, USER, ITEM }

  private final ModelSpec spec;
  private final ComputationGraph graph;
  private final float[] itemLogq;
  private final SparseEmbeddings sparse;

  public TwoTowerModel(ModelSpec spec, ComputationGraph graph, float[] itemLogq) {
    this(spec, graph, itemLogq, null);
  }

  /** A model whose tables live beside the graph in {@code sparse} (null: inside it), which it then owns. */
  public TwoTowerModel(ModelSpec spec, ComputationGraph graph, float[] itemLogq, SparseEmbeddings sparse) {
    if (spec.config().embeddings().beside() != (sparse != null)) {
      throw new IllegalArgumentException("the spec keeps its tables " + (sparse == null ? "beside the network, but no store was given"
          : "inside the network, but a store was given"));
    }
    this.spec = spec;
    this.graph = graph;
    this.itemLogq = itemLogq;
    this.sparse = sparse;
  }

  /** A freshly initialised model. {@code itemLogq}: log of each item's share of the training positives. */
  public static TwoTowerModel create(ModelSpec spec, TrainConfig train, long seed, int plannedSteps, float[] itemLogq) {
    return create(spec, train, seed, plannedSteps, itemLogq,
        spec.config().embeddings().beside() ? SparseEmbeddings.inProcess(spec, train, seed) : null);
  }

  /** A freshly initialised network around the given tables (null when they are inside the network). */
  public static TwoTowerModel create(ModelSpec spec, TrainConfig train, long seed, int plannedSteps, float[] itemLogq,
      SparseEmbeddings sparse) {
    ComputationGraph g = new ComputationGraph(configuration(spec, train, seed, plannedSteps, Part.FULL));
    g.init();
    return new TwoTowerModel(spec, g, itemLogq, sparse);
  }

  public static ComputationGraphConfiguration configuration(ModelSpec spec, TrainConfig train, long seed, int plannedSteps, Part part) {
    ModelConfig c = spec.config();
    ComputationGraphConfiguration.GraphBuilder g = GraphBuilder.start(seed, train, plannedSteps);
    List<String> inputs = new ArrayList<>();
    if (part != Part.ITEM) {
      inputs.addAll(GraphBuilder.inputs(spec.query(), c.embeddings().beside()));
    }
    if (part != Part.USER) {
      inputs.addAll(GraphBuilder.inputs(spec.item(), c.embeddings().beside()));
    }
    g.addInputs(inputs.toArray(new String[0]));
    if (part != Part.ITEM) {
      tower(g, spec.query(), c, USER_VECTOR);
    }
    if (part != Part.USER) {
      tower(g, spec.item(), c, ITEM_VECTOR);
    }
    if (part == Part.FULL) {
      g.addVertex("pair", new MergeVertex(), USER_VECTOR, ITEM_VECTOR);
      g.addLayer("loss", new org.deeplearning4j.nn.conf.layers.LossLayer.Builder()
          .lossFunction(new InBatchSoftmax(c.outputDim(), c.temperature(), c.logqCorrection(), c.removeAccidentalHits()))
          .activation(Activation.IDENTITY).build(), "pair");
      g.setOutputs("loss");
    } else {
      g.setOutputs(part == Part.USER ? USER_VECTOR : ITEM_VECTOR);
    }
    return g.build();
  }

  private static void tower(ComputationGraphConfiguration.GraphBuilder g, InputGroup grp, ModelConfig c, String out) {
    GraphBuilder.Front x = GraphBuilder.front(g, grp, c.embeddingDim(), c.embeddings().beside());
    GraphBuilder.Front h = GraphBuilder.mlp(g, x, c.hidden(), c.dropout(), grp.name());
    g.addLayer(grp.name() + "_out", new Dense.Builder().nIn(h.width()).nOut(c.outputDim()).activation(Activation.IDENTITY).build(), h.vertex());
    g.addVertex(out, new L2NormalizeVertex(new int[] {1}, 1e-8), grp.name() + "_out");
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public ComputationGraph graph() {
    return graph;
  }

  @Override
  public SparseEmbeddings sparse() {
    return sparse;
  }

  public float[] itemLogq() {
    return itemLogq;
  }

  @Override
  public Examples trainingExamples(Examples split) {
    return split.positives();
  }

  @Override
  public MultiDataSet batch(Examples data, int[] idx, long stepSeed) {
    InputGroup.RowSource rows = data.rows(idx);
    java.util.SplittableRandom r = new java.util.SplittableRandom(stepSeed);
    INDArray[] user = spec.query().arrays(idx.length, rows);
    INDArray[] item = spec.item().arrays(idx.length, rows);
    if (spec.query().hasCategorical()) {
      spec.query().dropout(user[0], spec.config().featureDropout(), r);
    }
    spec.query().hideHistory(user, spec.config().historyDropout(), r);
    if (spec.item().hasCategorical()) {
      spec.item().dropout(item[0], spec.config().featureDropout(), r);
    }
    List<INDArray> features = new ArrayList<>(List.of(user));
    features.addAll(List.of(item));
    float[] labels = new float[idx.length * 3];
    for (int i = 0; i < idx.length; i++) {
      int itemRow = data.events().item()[idx[i]];
      labels[3 * i] = data.events().weight()[idx[i]];
      labels[3 * i + 1] = itemLogq[itemRow];
      labels[3 * i + 2] = itemRow;
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(features.toArray(new INDArray[0]),
        new INDArray[] {Nd4j.create(labels, new long[] {idx.length, 3}, 'c')});
  }

  /** A standalone graph for one tower, holding a copy of this model's current parameters. */
  public ComputationGraph tower(Part part) {
    if (part == Part.FULL) {
      throw new IllegalArgumentException("a tower is USER or ITEM");
    }
    ComputationGraph t = new ComputationGraph(configuration(spec, TrainConfig.DEFAULT, 0, 1, part));
    t.init();
    for (org.deeplearning4j.nn.api.Layer l : t.getLayers()) {
      String name = l.conf().getLayer().getLayerName();
      l.setParams(graph.getLayer(name).params().dup());
    }
    return t;
  }

  /** L2-normalised vectors of rows {@code rows} of an entity table, computed by that entity's tower in batches. */
  public static INDArray vectors(ComputationGraph tower, InputGroup grp, FeatureTransform transform, EncodedTable table,
      Entity entity, int[] rows, int batch) {
    return vectors(tower, grp, transform, table, entity, rows, batch, null);
  }

  /**
   * As {@link #vectors(ComputationGraph, InputGroup, FeatureTransform, EncodedTable, Entity, int[], int)}, with context
   * features known for each row ({@code context} row i for {@code rows[i]}; null: none), such as a user's history as of
   * the query's time.
   */
  public static INDArray vectors(ComputationGraph tower, InputGroup grp, FeatureTransform transform, EncodedTable table,
      Entity entity, int[] rows, int batch, EncodedTable context) {
    List<INDArray> parts = new ArrayList<>();
    for (int from = 0; from < rows.length; from += batch) {
      int to = Math.min(rows.length, from + batch);
      int[] chunk = java.util.Arrays.copyOfRange(rows, from, to);
      INDArray[] in = grp.arrays(chunk.length, Examples.entityRows(transform, table, entity, chunk, context, from));
      parts.add(tower.outputSingle(false, in).dup());
    }
    return parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts.toArray(new INDArray[0]));
  }

  /** Log of each item's share of the positives: the logQ correction's sampling probabilities. */
  public static float[] itemLogq(Examples positives, int items) {
    double[] count = new double[items];
    for (int i = 0; i < positives.size(); i++) {
      count[positives.events().item()[i]] += 1;
    }
    double total = positives.size();
    float[] out = new float[items];
    for (int i = 0; i < items; i++) {
      // items never seen in training still get a (small) probability: half an occurrence
      out[i] = (float) Math.log(Math.max(count[i], 0.5) / total);
    }
    return out;
  }
}
