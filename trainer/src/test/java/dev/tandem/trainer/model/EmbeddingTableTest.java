package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class EmbeddingTableTest {
  private static ComputationGraph graph(boolean flatten) {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).updater(new Sgd(1.0)).graphBuilder()
        .addInputs("idx")
        .addLayer("emb", new EmbeddingTable.Builder().nIn(6).nOut(2).length(3).flatten(flatten).build(), "idx")
        .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "emb")
        .setOutputs("loss").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    return g;
  }

  @Test
  void looksUpRowsAndAccumulatesGradientsOfRepeatedIndices() {
    ComputationGraph g = graph(true);
    INDArray w = g.getLayer("emb").getParam("W");
    assertThat(w.shape()).containsExactly(6, 2);
    INDArray idx = Nd4j.create(new float[] {0, 2, 2, 5, 0, 1}, new long[] {2, 3}, 'c');
    INDArray out = g.outputSingle(idx);
    assertThat(out.shape()).containsExactly(2, 6);
    assertThat(out.getRow(0).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4))).isEqualTo(w.getRow(2));
    assertThat(out.getRow(1).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))).isEqualTo(w.getRow(5));

    INDArray before = w.dup();
    INDArray target = Nd4j.zeros(DataType.FLOAT, 2, 6);
    g.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {idx}, new INDArray[] {target}));
    // MSE towards 0 with SGD(1): each looked-up row moves against (its value x number of lookups); row 3 and 4 stay
    INDArray after = g.getLayer("emb").getParam("W");
    assertThat(after.getRow(3)).isEqualTo(before.getRow(3));
    assertThat(after.getRow(4)).isEqualTo(before.getRow(4));
    INDArray step2 = before.getRow(2).sub(after.getRow(2));
    INDArray step1 = before.getRow(1).sub(after.getRow(1));
    // row 2 was looked up twice, row 1 once: with the same per-lookup gradient scale, twice the step relative to the value
    assertThat(step2.div(before.getRow(2)).getDouble(0)).isCloseTo(2 * step1.div(before.getRow(1)).getDouble(0),
        org.assertj.core.api.Assertions.within(1e-4));
  }

  @Test
  void unflattenedOutputKeepsTheFeatureAxisAndBadIndicesAreRefused() {
    ComputationGraph g = graph(false);
    INDArray out = g.outputSingle(Nd4j.create(new float[] {0, 1, 2}, new long[] {1, 3}, 'c'));
    assertThat(out.shape()).containsExactly(1, 3, 2);
    assertThatThrownBy(() -> g.outputSingle(Nd4j.create(new float[] {0, 1, 6}, new long[] {1, 3}, 'c')))
        .hasMessageContaining("index 6 outside [0, 6)");
  }
}
