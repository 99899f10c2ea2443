package dev.tandem.trainer.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The runtime side of {@link EmbeddingRows}. */
public class EmbeddingRowsLayer extends AbstractLayer<EmbeddingRows> {
  private float[] gradients = new float[0];
  private int rows;

  public EmbeddingRowsLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray e = epsilon;
    if (e.ordering() != 'c' || e.isView() || e.offset() != 0 || e.dataType() != DataType.FLOAT) {
      e = e.castTo(DataType.FLOAT).dup('c');
    }
    int n = (int) e.length();
    if (gradients.length < n) {
      gradients = new float[n];
    }
    e.data().asNioFloat().get(gradients, 0, n);
    rows = (int) e.size(0);
    // the input is data (looked-up rows), not an activation: nothing to pass further back
    return new Pair<>(new DefaultGradient(), null);
  }

  /**
   * The gradient of the loss (as DL4J computes it: summed over the minibatch, not yet divided by its size) with respect
   * to the rows of the last backpropagated minibatch, {@code [minibatch, width]} row-major. The array is reused by the
   * next backpropagation; {@link #gradientRows} says how many rows of it are current.
   */
  public float[] rowGradients() {
    return gradients;
  }

  /** Minibatch rows in {@link #rowGradients()}. */
  public int gradientRows() {
    return rows;
  }

  @Override
  public double calcRegularizationScore(boolean backpropParamsOnly) {
    return 0;
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clearNoiseWeightParams() {
    // none
  }

  @Override
  public INDArray params() {
    return null;
  }
}
