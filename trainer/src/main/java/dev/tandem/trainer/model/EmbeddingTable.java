package dev.tandem.trainer.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One embedding table shared by {@code length} indexed features: input {@code [mb, length]} of row indices, output the
 * rows, either flattened to {@code [mb, length * nOut]} or as {@code [mb, length, nOut]}.
 *
 * <p>Replaces DL4J's EmbeddingSequenceLayer in Tandem's graphs. That layer recomputes its forward pass during
 * backpropagation and accumulates gradients with the legacy scatterUpdate op, which together took a fifth of every
 * training step; this one keeps the indices from the forward pass and sums the gradient's rows in Java, in the order
 * ND4J's scatter_add op would (EmbeddingTableLayer).
 */
public class EmbeddingTable extends FeedForwardLayer {
  private int length;
  private boolean flatten = true;

  /** For JSON. */
  public EmbeddingTable() {}

  private EmbeddingTable(Builder b) {
    super(b);
    this.length = b.length;
    this.flatten = b.flatten;
    initializeConstraints(b);
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView,
      boolean initializeParams, DataType dataType) {
    return LayerWiring.wire(new EmbeddingTableLayer(conf, dataType), conf, listeners, layerIndex, paramsView, initializeParams, initializer());
  }

  @Override
  public ParamInitializer initializer() {
    return EmbeddingTableParams.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return flatten ? InputType.feedForward(length * nOut) : InputType.recurrent(nOut, length, org.deeplearning4j.nn.conf.RNNFormat.NWC);
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    long params = initializer().numParams(this);
    return new LayerMemoryReport.Builder(layerName, EmbeddingTable.class, inputType, getOutputType(-1, inputType))
        .standardMemory(params, getIUpdater().stateSize(params)).workingMemory(0, 0, 0, (long) length * nOut)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
  }

  public boolean hasBias() {
    return false;
  }

  public int getLength() {
    return length;
  }

  public void setLength(int length) {
    this.length = length;
  }

  public boolean isFlatten() {
    return flatten;
  }

  public void setFlatten(boolean flatten) {
    this.flatten = flatten;
  }

  /** Builder: {@code nIn} is the number of rows, {@code nOut} the embedding width. */
  public static class Builder extends FeedForwardLayer.Builder<Builder> {
    private int length = 1;
    private boolean flatten = true;

    public Builder length(int length) {
      this.length = length;
      return this;
    }

    public Builder flatten(boolean flatten) {
      this.flatten = flatten;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public EmbeddingTable build() {
      return new EmbeddingTable(this);
    }
  }
}
