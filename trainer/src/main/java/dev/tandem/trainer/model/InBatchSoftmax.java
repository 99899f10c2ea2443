package dev.tandem.trainer.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
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

  /** For JSON. */
  public InBatchSoftmax() {}

  public InBatchSoftmax(int vectorDim, double temperature, boolean logqCorrection, boolean removeAccidentalHits) {
    this.vectorDim = vectorDim;
    this.temperature = temperature;
    this.logqCorrection = logqCorrection;
    this.removeAccidentalHits = removeAccidentalHits;
  }

  /** Softmax probabilities of the corrected logits, [mb, mb]. */
  private INDArray probabilities(INDArray labels, INDArray in) {
    long mb = in.size(0);
    INDArray u = in.get(NDArrayIndex.all(), NDArrayIndex.interval(0, vectorDim));
    INDArray v = in.get(NDArrayIndex.all(), NDArrayIndex.interval(vectorDim, 2L * vectorDim));
    INDArray logits = u.mmul(v.transpose()).divi(temperature);
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

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray in = activationFn.getActivation(preOutput.dup(), true);
    INDArray p = probabilities(labels, in);
    INDArray diag = Nd4j.diag(p).reshape(p.size(0), 1);
    return Transforms.log(Transforms.max(diag, 1e-30, false), false).negi().muli(labels.getColumn(0).reshape(p.size(0), 1));
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray in = activationFn.getActivation(preOutput.dup(), true);
    long mb = in.size(0);
    INDArray g = probabilities(labels, in);                      // dLoss/dLogits = w_i (P - I)
    g.subi(Nd4j.eye(mb).castTo(g.dataType()));
    g.muliColumnVector(labels.getColumn(0).reshape(mb, 1));
    INDArray u = in.get(NDArrayIndex.all(), NDArrayIndex.interval(0, vectorDim));
    INDArray v = in.get(NDArrayIndex.all(), NDArrayIndex.interval(vectorDim, 2L * vectorDim));
    INDArray dIn = Nd4j.createUninitialized(in.dataType(), mb, 2L * vectorDim);
    g.mmul(v, dIn.get(NDArrayIndex.all(), NDArrayIndex.interval(0, vectorDim)));
    g.transpose().mmul(u, dIn.get(NDArrayIndex.all(), NDArrayIndex.interval(vectorDim, 2L * vectorDim)));
    dIn.divi(temperature);
    return activationFn.backprop(preOutput.dup(), dIn).getFirst();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average), computeGradient(labels, preOutput, activationFn, mask));
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
