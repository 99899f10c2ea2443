package dev.tandem.ps.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The parameter sync of an executor: the driver's parameters replace the executor model's, or it fails loudly. */
class ExecutorSessionTest {
  private static ComputationGraph graph(int hidden) {
    ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
        .addInputs("in")
        .addLayer("h", new DenseLayer.Builder().nIn(3).nOut(hidden).activation(Activation.RELU).build(), "in")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(hidden).nOut(1).activation(Activation.IDENTITY).build(), "h")
        .setOutputs("out").build());
    g.init();
    return g;
  }

  @Test
  void copiesTheDriversParameters() {
    ComputationGraph executor = graph(4);
    INDArray driver = Nd4j.rand(executor.params().dataType(), executor.params().shape());
    ExecutorSession.copyDriverParameters(driver, executor, "1");
    assertThat(executor.params()).isEqualTo(driver);
  }

  @Test
  void parametersOfAnotherSizeAreAnErrorNotASkip() {
    ComputationGraph executor = graph(4);
    INDArray before = executor.params().dup();
    INDArray driver = graph(5).params();
    assertThatThrownBy(() -> ExecutorSession.copyDriverParameters(driver, executor, "1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("executor 1")
        .hasMessageContaining(driver.length() + " values")
        .hasMessageContaining("has " + executor.numParams());
    assertThat(executor.params()).isEqualTo(before);
  }
}
