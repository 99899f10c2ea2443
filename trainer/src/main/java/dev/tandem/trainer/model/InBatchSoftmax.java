package dev.tandem.trainer.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * In-batch sampled softmax for two-tower retrieval, as a DL4J loss function with a hand-written gradient. The input
 * ("pre-output") is {@code [user vector | item vector]} for each positive pair of the batch; every other item of the
 * batch is a negative for that user. Logits are {@code u·v / temperature} minus {@code log q(item)} (the logQ
 * correction of Yi et al., RecSys 2019: frequent items appear as in-batch negatives more often than a uniform softmax
 * assumes), and duplicates of a row's positive item elsewhere in the batch ("accidental hits") are masked out.
 *
 * <p>Labels are {@code [mb, 3]}: per-example weight, log q of the pair's item, and the item's row id (exact as a float
 * up to 2^24 items). With softmax probabilities {@code P} and weights {@code w}, the loss is
 * {@code sum_i w_i * -log P_ii} and its gradient with respect to the logits is {@code w_i (P_ij - [i = j])}, so the
 * whole step is a few matrix products: far cheaper than interpreting the same graph with SameDiff.
 *
 * <p>One instance serves one graph, one step at a time (DL4J clones the configuration for every replica).
 */
public class InBatchSoftmax implements ILossFunction {
  private static final long serialVersionUID = 1L;
  private static final double MASK = 1e4;

  @JsonProperty
  private int vectorDim;
  @JsonProperty
  private double temperature;
  @JsonProperty
  private boolean logqCorrection;
  @JsonProperty
  private boolean removeAccidentalHits;
  /**
   * The last gradient's per-example losses and the arrays they belong to (DL4J asks for the score right after), in one
   * object so that a reader sees all three of the same step.
   */
  @JsonIgnore
  private transient volatile Kept kept;

  private record Kept(INDArray labels, INDArray preOutput, double[] scores) {}

  /** For JSON. */
  public InBatchSoftmax() {}

  public InBatchSoftmax(int vectorDim, double temperature, boolean logqCorrection, boolean removeAccidentalHits) {
    this.vectorDim = vectorDim;
    this.temperature = temperature;
    this.logqCorrection = logqCorrection;
    this.removeAccidentalHits = removeAccidentalHits;
  }

  /** Softmax probabilities of the corrected logits, [mb, mb], 'c' order. */
  private INDArray probabilities(INDArray labels, INDArray in) {
    long mb = in.size(0);
    INDArray u = in.get(NDArrayIndex.all(), NDArrayIndex.interval(0, vectorDim));
    INDArray v = in.get(NDArrayIndex.all(), NDArrayIndex.interval(vectorDim, 2L * vectorDim));
    // BLAS writes v u^T into an 'f' array, which read in 'c' order is u v^T: no temporary, no copy
    INDArray vut = Nd4j.createUninitialized(in.dataType(), new long[] {mb, mb}, 'f');
    Nd4j.gemm(v, u, vut, false, true, 1.0, 0.0);
    INDArray logits = vut.transpose().divi(temperature);
    if (logqCorrection) {
      logits.subiRowVector(labels.getColumn(1).reshape(1, mb));
    }
    if (removeAccidentalHits) {
      float[] ids = labels.getColumn(2).toFloatVector();
      Map<Float, Integer> first = new HashMap<>();
      for (int i = 0; i < ids.length; i++) {
        Integer j = first.putIfAbsent(ids[i], i);
        if (j != null) {
          // every earlier copy of this item: mask each pair both ways (rare, so per-element puts are cheap)
          for (int k = 0; k < i; k++) {
            if (ids[k] == ids[i]) {
              logits.putScalar(i, k, logits.getDouble(i, k) - MASK);
              logits.putScalar(k, i, logits.getDouble(k, i) - MASK);
            }
          }
        }
      }
    }
    return Transforms.softmax(logits, false);
  }

  /** Per-example losses {@code -w_i log P_ii}. */
  private static double[] losses(INDArray p, double[] weights) {
    double[] loss = new double[weights.length];
    for (int i = 0; i < loss.length; i++) {
      loss[i] = -Math.log(Math.max(p.getDouble(i, i), 1e-30)) * weights[i];
    }
    return loss;
  }

  private static INDArray column(double[] x, DataType type) {
    return Nd4j.create(x, new long[] {x.length, 1}, 'c').castTo(type);
  }

  private static INDArray input(INDArray preOutput, IActivation activationFn) {
    return activationFn instanceof ActivationIdentity ? preOutput : activationFn.getActivation(preOutput.dup(), true);
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    Kept k = kept;
    if (k != null && k.labels() == labels && k.preOutput() == preOutput) {
      kept = null;
      return column(k.scores(), preOutput.dataType());
    }
    INDArray in = input(preOutput, activationFn);
    return column(losses(probabilities(labels, in), labels.getColumn(0).toDoubleVector()), preOutput.dataType());
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  /**
   * The gradient, with {@code G = W (P - I)} (W the diagonal of weights) never formed: {@code dU = G V / T = W (P V - V) / T}
   * and {@code dV = G^T U / T = (P^T (W U) - W U) / T} scale [mb, d] arrays instead of the [mb, mb] one. The per-example
   * losses come out of the same probabilities and are kept (as Java values: the arrays of this step's working memory
   * are gone by then) for the {@link #computeScoreArray} call DL4J makes next with the same arrays.
   */
  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    kept = null;
    INDArray in = input(preOutput, activationFn);
    long mb = in.size(0);
    INDArray p = probabilities(labels, in);
    double[] w = labels.getColumn(0).toDoubleVector();
    boolean unweighted = true;
    for (double x : w) {
      unweighted &= x == 1.0;
    }
    INDArray u = in.get(NDArrayIndex.all(), NDArrayIndex.interval(0, vectorDim));
    INDArray v = in.get(NDArrayIndex.all(), NDArrayIndex.interval(vectorDim, 2L * vectorDim));
    INDArray scale = unweighted ? null : column(w, in.dataType());
    INDArray wu = unweighted ? u : u.mulColumnVector(scale);
    INDArray du = p.mmul(v).subi(v);
    INDArray dv = p.transpose().mmul(wu).subi(wu);
    if (!unweighted) {
      du.muliColumnVector(scale);
    }
    INDArray dIn = Nd4j.hstack(du, dv).divi(temperature);
    kept = new Kept(labels, preOutput, losses(p, w));
    return activationFn instanceof ActivationIdentity ? dIn : activationFn.backprop(preOutput.dup(), dIn).getFirst();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    INDArray g = computeGradient(labels, preOutput, activationFn, mask);
    return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average), g);
  }

  @Override
  public String name() {
    return "in_batch_softmax";
  }

  @Override
  public String toString() {
    return "InBatchSoftmax(dim=" + vectorDim + ", temperature=" + temperature + ", logq=" + logqCorrection + ", removeHits=" + removeAccidentalHits + ")";
  }
}
