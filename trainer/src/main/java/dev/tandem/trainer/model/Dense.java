package dev.tandem.trainer.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fully connected layer, {@code activation(x W + b)}, with the parameters, initialisation and arithmetic of DL4J's
 * DenseLayer, but a faster training step ({@link DenseRuntime}): DL4J's layer computes {@code x W + b} a second time
 * during backpropagation; this one keeps its output from the forward pass (ReLU's derivative is known from the output).
 * After the same steps on the same data its parameters equal those of DL4J's DenseLayer bit for bit (FastLayersTest).
 */
public class Dense extends FeedForwardLayer {
  private boolean hasBias = true;

  /** For JSON. */
  public Dense() {}

  private Dense(Builder b) {
    super(b);
    this.hasBias = b.hasBias;
    initializeConstraints(b);
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView,
      boolean initializeParams, DataType dataType) {
    return LayerWiring.wire(new DenseRuntime(conf, dataType), conf, listeners, layerIndex, paramsView, initializeParams, initializer());
  }

  @Override
  public ParamInitializer initializer() {
    return Params.INSTANCE;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType out = getOutputType(-1, inputType);
    long params = initializer().numParams(this);
    return new LayerMemoryReport.Builder(layerName, Dense.class, inputType, out)
        .standardMemory(params, getIUpdater().stateSize(params))
        .workingMemory(0, 0, 0, out.arrayElementsPerExample())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
  }

  public boolean hasBias() {
    return hasBias;
  }

  public boolean isHasBias() {
    return hasBias;
  }

  public void setHasBias(boolean hasBias) {
    this.hasBias = hasBias;
  }

  /** DL4J's DenseLayer parameters: {@code W [nIn, nOut]} and, unless disabled, {@code b [1, nOut]}. */
  static final class Params extends DefaultParamInitializer {
    static final Params INSTANCE = new Params();

    @Override
    protected boolean hasBias(org.deeplearning4j.nn.conf.layers.Layer layer) {
      return ((Dense) layer).hasBias();
    }
  }

  /** Builder: as DL4J's DenseLayer.Builder. */
  public static class Builder extends FeedForwardLayer.Builder<Builder> {
    private boolean hasBias = true;

    public Builder hasBias(boolean hasBias) {
      this.hasBias = hasBias;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Dense build() {
      return new Dense(this);
    }
  }
}
