package dev.tandem.trainer.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the rows of a table kept beside the network enter it: input {@code [mb, width]}, the looked-up rows of the
 * group's indexed features side by side, passed on unchanged. It has no parameters; in backpropagation it keeps the
 * gradient with respect to those rows ({@link EmbeddingRowsLayer#rowGradients}) for the store to apply. It takes the
 * name the in-network table has ({@code PREFIX_emb}), so both graphs name every other layer alike.
 */
public class EmbeddingRows extends NoParamLayer {
  private int width;

  /** For JSON. */
  public EmbeddingRows() {}

  public EmbeddingRows(int width) {
    super(new Builder());
    this.width = width;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView,
      boolean initializeParams, DataType dataType) {
    return LayerWiring.wire(new EmbeddingRowsLayer(conf, dataType), conf, listeners, layerIndex, paramsView, initializeParams, initializer());
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return InputType.feedForward(width);
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    return new LayerMemoryReport.Builder(layerName, EmbeddingRows.class, inputType, getOutputType(-1, inputType)).standardMemory(0, 0)
        .workingMemory(0, 0, 0, width).cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
  }

  /** No parameters, so no updater (DL4J's default throws for layers that do not say so). */
  @Override
  public org.nd4j.linalg.learning.config.IUpdater getUpdaterByParam(String paramName) {
    return null;
  }

  public int getWidth() {
    return width;
  }

  public void setWidth(int width) {
    this.width = width;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EmbeddingRows r && super.equals(o) && r.width == width;
  }

  @Override
  public int hashCode() {
    return super.hashCode() * 31 + width;
  }

  /** DL4J's layer builder; nothing to set. */
  static class Builder extends org.deeplearning4j.nn.conf.layers.Layer.Builder<Builder> {
    @Override
    @SuppressWarnings("unchecked")
    public EmbeddingRows build() {
      throw new UnsupportedOperationException("use new EmbeddingRows(width)");
    }
  }
}
