package dev.tandem.trainer.model;

import dev.tandem.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * CTR-style ranking: the probability that a (user, item, context) event is positive. Architectures:
 * <ul>
 *   <li>{@code dcn}: DCN-v2 cross layers {@code x_{l+1} = x0 ⊙ (W x_l + b) + x_l} beside a deep MLP;</li>
 *   <li>{@code dlrm}: pairwise dot products of the feature embeddings and a bottom-MLP vector, then a top MLP;</li>
 *   <li>{@code wide_deep}: a linear model of every feature value (the wide part) beside a deep MLP;</li>
 *   <li>{@code logistic}: the wide part alone, i.e. logistic regression on the one-hot features (the baseline).</li>
 * </ul>
 * All end in a sigmoid trained with binary cross-entropy; per-example weights enter as the label mask.
 */
public final class RankingModel implements RecommenderModel {
  public static final String OUTPUT = "prob";

  private final ModelSpec spec;
  private final ComputationGraph graph;
  private final SparseEmbeddings sparse;

  public RankingModel(ModelSpec spec, ComputationGraph graph) {
    this(spec, graph, null);
  }

  /** A model whose tables live beside the graph in {@code sparse} (null: inside it), which it then owns. */
  public RankingModel(ModelSpec spec, ComputationGraph graph, SparseEmbeddings sparse) {
    if (spec.config().embeddings().beside() != (sparse != null)) {
      throw new IllegalArgumentException("the spec keeps its tables " + (sparse == null ? "beside the network, but no store was given"
          : "inside the network, but a store was given"));
    }
    this.spec = spec;
    this.graph = graph;
    this.sparse = sparse;
  }

  public static RankingModel create(ModelSpec spec, TrainConfig train, long seed, int plannedSteps) {
    return create(spec, train, seed, plannedSteps, spec.config().embeddings().beside() ? SparseEmbeddings.inProcess(spec, train, seed) : null);
  }

  /** A freshly initialised network around the given tables (null when they are inside the network). */
  public static RankingModel create(ModelSpec spec, TrainConfig train, long seed, int plannedSteps, SparseEmbeddings sparse) {
    ComputationGraph g = new ComputationGraph(configuration(spec, train, seed, plannedSteps));
    g.init();
    return new RankingModel(spec, g, sparse);
  }

  public static ComputationGraphConfiguration configuration(ModelSpec spec, TrainConfig train, long seed, int plannedSteps) {
    ModelConfig c = spec.config();
    InputGroup x = spec.query();
    ComputationGraphConfiguration.GraphBuilder g = GraphBuilder.start(seed, train, plannedSteps);
    g.addInputs(GraphBuilder.inputs(x, c.embeddings().beside()).toArray(new String[0]));
    String last;
    int width;
    switch (c.architecture()) {
      case LOGISTIC -> {
        GraphBuilder.Front wide = wide(g, x);
        last = wide.vertex();
        width = wide.width();
      }
      case WIDE_DEEP -> {
        GraphBuilder.Front wide = wide(g, x);
        GraphBuilder.Front deep = GraphBuilder.mlp(g, GraphBuilder.front(g, x, c.embeddingDim(), c.embeddings().beside()), c.hidden(), c.dropout(), "deep");
        g.addVertex("wide_deep", new MergeVertex(), wide.vertex(), deep.vertex());
        last = "wide_deep";
        width = wide.width() + deep.width();
      }
      case DCN -> {
        GraphBuilder.Front x0 = GraphBuilder.front(g, x, c.embeddingDim(), c.embeddings().beside());
        String xl = x0.vertex();
        for (int l = 0; l < c.crossLayers(); l++) {
          g.addLayer("cross" + l + "_lin", new Dense.Builder().nIn(x0.width()).nOut(x0.width()).activation(Activation.IDENTITY).build(), xl);
          g.addVertex("cross" + l + "_mul", new ElementWiseVertex(ElementWiseVertex.Op.Product), x0.vertex(), "cross" + l + "_lin");
          g.addVertex("cross" + l, new ElementWiseVertex(ElementWiseVertex.Op.Add), "cross" + l + "_mul", xl);
          xl = "cross" + l;
        }
        GraphBuilder.Front deep = GraphBuilder.mlp(g, x0, c.hidden(), c.dropout(), "deep");
        if (c.crossLayers() > 0) {
          g.addVertex("cross_deep", new MergeVertex(), xl, deep.vertex());
          last = "cross_deep";
          width = x0.width() + deep.width();
        } else {
          last = deep.vertex();
          width = deep.width();
        }
      }
      case DLRM -> {
        int dim = c.embeddingDim();
        List<String> vectors = new ArrayList<>();
        int m = 0;
        if (x.hasCategorical()) {
          g.addLayer("x_emb", GraphBuilder.embeddings(x.tableSize(), dim, x.categorical().size(), false), "x_cat");
          m += x.categorical().size();
          vectors.add("x_emb");
        }
        if (x.hasMulti()) {
          g.addLayer("x_bag", new Dense.Builder().nIn(x.multiWidth()).nOut(dim).hasBias(false).activation(Activation.IDENTITY).build(), "x_multi");
          g.addVertex("x_bag_seq", new ReshapeVertex(-1, 1, dim), "x_bag");
          m += 1;
          vectors.add("x_bag_seq");
        }
        if (x.hasSequences()) {
          g.addLayer("x_seqbag", new Dense.Builder().nIn(x.sequenceWidth()).nOut(dim).hasBias(false).activation(Activation.IDENTITY).build(),
              "x_seq");
          g.addVertex("x_seqbag_seq", new ReshapeVertex(-1, 1, dim), "x_seqbag");
          m += 1;
          vectors.add("x_seqbag_seq");
        }
        if (vectors.isEmpty()) {
          throw new IllegalArgumentException("dlrm needs at least one categorical or multi-hot feature");
        }
        String seq = vectors.get(0);
        if (vectors.size() > 1) {
          // concatenate along the feature axis: [mb, F, dim] and [mb, 1, dim]
          g.addVertex("x_vectors", new MergeVertex(), vectors.toArray(new String[0]));
          seq = "x_vectors";
        }
        String bottom;
        if (x.hasDense()) {
          g.addLayer("bottom", new Dense.Builder().nIn(x.dense().size()).nOut(dim).activation(Activation.RELU).build(), "x_dense");
          bottom = "bottom";
        } else {
          // no dense features: a learned constant vector keeps the interaction layout uniform
          g.addVertex("x_emb_flat_dlrm", new ReshapeVertex(-1, x.categorical().size() * dim), "x_emb");
          g.addLayer("bottom", new Dense.Builder().nIn(x.categorical().size() * dim).nOut(dim).activation(Activation.RELU).build(), "x_emb_flat_dlrm");
          bottom = "bottom";
        }
        DotInteractionVertex dot = new DotInteractionVertex(m, dim);
        g.addVertex("interact", dot, seq, bottom);
        GraphBuilder.Front top = GraphBuilder.mlp(g, new GraphBuilder.Front("interact", dot.outputSize()), c.hidden(), c.dropout(), "top");
        last = top.vertex();
        width = top.width();
      }
      default -> throw new IllegalStateException();
    }
    g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(width).nOut(spec.targets().count())
        .activation(Activation.SIGMOID).build(), last);
    g.setOutputs(OUTPUT);
    return g.build();
  }

  /** The wide part: one learned scalar per feature value (dim-1 embeddings), the raw k-hot block and dense block. */
  private static GraphBuilder.Front wide(ComputationGraphConfiguration.GraphBuilder g, InputGroup x) {
    List<String> parts = new ArrayList<>();
    int width = 0;
    if (x.hasCategorical()) {
      g.addLayer("wide_emb", GraphBuilder.embeddings(x.tableSize(), 1, x.categorical().size(), true), "x_cat");
      parts.add("wide_emb");
      width += x.categorical().size();
    }
    if (x.hasMulti()) {
      parts.add("x_multi");
      width += x.multiWidth();
    }
    if (x.hasDense()) {
      parts.add("x_dense");
      width += x.dense().size();
    }
    if (x.hasSequences()) {
      parts.add("x_seq"); // a weight per recently listed item
      width += x.sequenceWidth();
    }
    if (parts.size() == 1) {
      return new GraphBuilder.Front(parts.get(0), width);
    }
    g.addVertex("wide", new MergeVertex(), parts.toArray(new String[0]));
    return new GraphBuilder.Front("wide", width);
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

  @Override
  public Examples trainingExamples(Examples split) {
    return split;
  }

  @Override
  public MultiDataSet batch(Examples data, int[] idx, long stepSeed) {
    INDArray[] features = spec.query().arrays(idx.length, data.rows(idx));
    java.util.SplittableRandom r = new java.util.SplittableRandom(stepSeed);
    if (spec.query().hasCategorical()) {
      spec.query().dropout(features[0], spec.config().featureDropout(), r);
    }
    spec.query().hideHistory(features, spec.config().historyDropout(), r);
    ModelSpec.Targets t = spec.targets();
    int k = t.count();
    float[] labels = new float[idx.length * k];
    float[] weights = new float[idx.length];
    float[] signal = t.signal() == null ? null : data.events().signals().get(t.signal());
    if (t.signal() != null && signal == null) {
      throw new IllegalStateException("the dataset has no signal column '" + t.signal() + "' for ordinal targets");
    }
    for (int i = 0; i < idx.length; i++) {
      weights[i] = data.events().weight()[idx[i]];
      if (signal == null) {
        labels[i] = data.events().label()[idx[i]];
      } else {
        float v = signal[idx[i]];
        for (int j = 0; j < k; j++) {
          double th = t.thresholds().get(j);
          labels[i * k + j] = (t.op().equals(">=") ? v >= th : v > th) ? 1f : 0f;
        }
      }
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[] {Nd4j.create(labels, new long[] {idx.length, k}, 'c')},
        null, new INDArray[] {Nd4j.create(weights, new long[] {idx.length, 1}, 'c')});
  }

  /** Predicted probabilities for examples {@code idx}. */
  public float[] predict(Examples data, int[] idx) {
    INDArray out = graph.outputSingle(false, spec.query().arrays(idx.length, data.rows(idx)));
    if (out.size(1) > 1) {
      out = out.getColumn(spec.targets().main());
    }
    return out.reshape(idx.length).toFloatVector();
  }
}
