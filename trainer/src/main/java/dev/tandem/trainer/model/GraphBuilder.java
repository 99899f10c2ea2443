package dev.tandem.trainer.model;

import dev.tandem.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/** Shared pieces of Tandem's graphs: global settings, the embedding front end of an input group, MLPs. */
final class GraphBuilder {
  private static final double INIT_STD = 0.05;
  private GraphBuilder() {}

  /** Global settings: seed, optimizer with its schedule, weight decay, clipping, workspaces. */
  static ComputationGraphConfiguration.GraphBuilder start(long seed, TrainConfig train, int plannedSteps) {
    LearningRateSchedule lr = new LearningRateSchedule(train.learningRate(), train.warmupSteps(), plannedSteps,
        train.decay().key(), train.minLearningRate());
    IUpdater updater = switch (train.optimizer()) {
      case ADAM -> new Adam(lr);
      case SGD -> new Sgd(lr);
      case ADAGRAD -> {
        // DL4J 1.0.0-M2.1's AdaGrad turns parameters to NaN after the first step when given any ISchedule (even a
        // FixedSchedule); with a plain learning rate it works.
        if (train.warmupSteps() > 0 || train.decay() != TrainConfig.Decay.NONE) {
          throw new dev.tandem.config.ConfigException("train.optimizer", "adagrad cannot be combined with warmup_steps or decay "
              + "(DL4J 1.0.0-M2.1 produces NaN with AdaGrad learning-rate schedules); set decay: none and warmup_steps: 0, or use adam");
        }
        yield new AdaGrad(train.learningRate(), 1e-6);
      }
    };
    NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(updater)
        .weightInit(WeightInit.XAVIER)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
    if (train.weightDecay() > 0) {
      b.l2(train.weightDecay());
    }
    if (train.gradientClip() > 0) {
      b.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(train.gradientClip());
    }
    return b.graphBuilder();
  }

  /** The vertex holding a group's concatenated input representation, and its width. */
  record Front(String vertex, int width) {}

  /**
   * Embeds an input group: one shared embedding table for all indexed features (flattened to {@code [mb, F*dim]}),
   * one bag-of-embeddings matrix for the multi-hot block, and the dense block as is; concatenated. With the table
   * {@code beside} the network, the group's looked-up rows come in as input {@code PREFIX_rows} instead of indices.
   */
  static Front front(ComputationGraphConfiguration.GraphBuilder g, InputGroup grp, int dim, boolean beside) {
    List<String> parts = new ArrayList<>();
    int width = 0;
    String p = grp.name();
    if (grp.hasCategorical()) {
      int f = grp.categorical().size();
      if (beside) {
        g.addLayer(p + "_emb", new EmbeddingRows(f * dim), p + "_rows");
      } else {
        g.addLayer(p + "_emb", embeddings(grp.tableSize(), dim, f, true), p + "_cat");
      }
      parts.add(p + "_emb");
      width += f * dim;
    }
    if (grp.hasMulti()) {
      g.addLayer(p + "_bag", new Dense.Builder().nIn(grp.multiWidth()).nOut(dim).hasBias(false)
          .activation(Activation.IDENTITY).weightInit(new NormalDistribution(0, 0.05)).build(), p + "_multi");
      parts.add(p + "_bag");
      width += dim;
    }
    if (grp.hasDense()) {
      parts.add(p + "_dense");
      width += grp.dense().size();
    }
    if (grp.attends()) {
      // per item list, an item table of its own (row 0: the empty slot), shared by the candidate and the history
      for (int j = 0; j < grp.sequences().size(); j++) {
        String in = grp.historyInput(j);
        int length = grp.sequenceLengths()[j];
        g.addLayer(in + "_emb", embeddings(grp.sequenceRows(j) + 1, dim, length + 1, false), in);
        HistoryAttentionVertex att = new HistoryAttentionVertex(length, dim);
        g.addVertex(in + "_att", att, in + "_emb", grp.historyMaskInput(j));
        parts.add(in + "_att");
        width += att.outputSize();
      }
    } else if (grp.hasSequences()) {
      // the mean of the listed items' embeddings (a table of the group's own, one per item list)
      g.addLayer(p + "_seqbag", new Dense.Builder().nIn(grp.sequenceWidth()).nOut(dim * grp.sequences().size()).hasBias(false)
          .activation(Activation.IDENTITY).weightInit(new NormalDistribution(0, 0.05)).build(), p + "_seq");
      parts.add(p + "_seqbag");
      width += dim * grp.sequences().size();
    }
    if (parts.size() == 1) {
      return new Front(parts.get(0), width);
    }
    g.addVertex(p + "_x", new MergeVertex(), parts.toArray(new String[0]));
    return new Front(p + "_x", width);
  }

  /**
   * The graph inputs of a group, in the order {@link InputGroup#arrays} makes them: with its table beside the network,
   * {@code PREFIX_rows} (the looked-up rows) takes the place of {@code PREFIX_cat} (the indices).
   */
  static List<String> inputs(InputGroup grp, boolean beside) {
    return grp.inputNames().stream().map(n -> beside && n.equals(grp.name() + "_cat") ? grp.name() + "_rows" : n).toList();
  }

  /** One table for {@code length} features: output {@code [mb, length*dim]} if flattened, else {@code [mb, length, dim]}. */
  static EmbeddingTable embeddings(int rows, int dim, int length, boolean flatten) {
    return new EmbeddingTable.Builder().nIn(rows).nOut(dim).length(length).flatten(flatten)
        .weightInit(new NormalDistribution(0, INIT_STD)).build();
  }

  /** Adds ReLU layers named {@code prefix_h0, prefix_h1, ...}; returns the last vertex and its width. */
  static Front mlp(ComputationGraphConfiguration.GraphBuilder g, Front in, List<Integer> hidden, double dropout, String prefix) {
    String last = in.vertex();
    int width = in.width();
    for (int i = 0; i < hidden.size(); i++) {
      Dense.Builder d = new Dense.Builder().nIn(width).nOut(hidden.get(i)).activation(Activation.RELU);
      if (dropout > 0) {
        d.dropOut(1.0 - dropout); // DL4J takes the retain probability
      }
      g.addLayer(prefix + "_h" + i, d.build(), last);
      last = prefix + "_h" + i;
      width = hidden.get(i);
    }
    return new Front(last, width);
  }
}
