package dev.tandem.trainer.model;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime side of {@link Dense}. The forward pass of a training step keeps its output; backpropagation takes the
 * activation's derivative from it (identity, or ReLU, whose output is positive exactly where its input is) instead of
 * recomputing {@code x W + b} as DL4J's BaseLayer does. The arithmetic is DL4J's, op for op, so results are identical.
 * Other activations, masks and weight noise take DL4J's own path.
 */
public class DenseRuntime extends BaseLayer<Dense> {
  /** The output of the last training forward pass, and the input (after dropout) it was computed from. */
  private INDArray output;
  private INDArray outputOf;

  public DenseRuntime(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public boolean hasBias() {
    return layerConf().hasBias();
  }

  private boolean derivativeFromOutput() {
    IActivation a = layerConf().getActivationFn();
    if (a instanceof ActivationIdentity) {
      return true;
    }
    return a instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null && r.getNegativeSlope() == null;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    output = null;
    outputOf = null;
    if (!training || maskArray != null || layerConf().getWeightNoise() != null || !derivativeFromOutput()) {
      return super.activate(training, workspaceMgr);
    }
    assertInputSet(false);
    applyDropOutIfNecessary(true, workspaceMgr);
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray x = input.castTo(dataType);
    if (x.rank() != 2 || x.columns() != w.rows()) {
      throw new DL4JInvalidInputException("dense layer " + layerId() + " expects input [minibatch, " + w.rows() + "], got "
          + java.util.Arrays.toString(x.shape()));
    }
    // 'c' order, as DL4J's: an 'f' output would save the copy out of BLAS's temporary array, but makes the concatenations
    // after it take ND4J's slow generic path; computing W^T x^T instead rounds differently (FastLayersTest)
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), new long[] {x.size(0), w.size(1)}, 'c');
    x.castTo(z.dataType()).mmuli(w, z);
    if (hasBias()) {
      z.addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
    }
    INDArray out = layerConf().getActivationFn().getActivation(z, true);
    output = out;
    outputOf = input;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (output == null || outputOf != input) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    assertInputSet(true);
    INDArray delta = layerConf().getActivationFn().backprop(output, epsilon).getFirst();
    Gradient ret = new DefaultGradient();
    if (hasBias()) {
      INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
      delta.sum(biasGrad, 0);
      ret.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
    }
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(), new long[] {w.size(0), delta.size(0)}, 'f');
    epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
    INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    Nd4j.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
    ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
    output = null;
    outputOf = null;
    return new Pair<>(ret, backpropDropOutIfPresent(epsilonNext));
  }

  @Override
  public void clear() {
    super.clear();
    output = null;
    outputOf = null;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    throw new UnsupportedOperationException("not a pretrain layer");
  }
}
