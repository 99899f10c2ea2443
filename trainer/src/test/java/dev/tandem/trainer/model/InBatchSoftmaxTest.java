package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written gradient of the in-batch softmax agrees with finite differences of its loss. */
class InBatchSoftmaxTest {
  private static INDArray labels(double[] weight, double[] logq, double[] ids) {
    INDArray l = Nd4j.create(DataType.DOUBLE, weight.length, 3);
    for (int i = 0; i < weight.length; i++) {
      l.putScalar(i, 0, weight[i]);
      l.putScalar(i, 1, logq[i]);
      l.putScalar(i, 2, ids[i]);
    }
    return l;
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Nd4j.getRandom().setSeed(3);
    int mb = 5;
    int d = 4;
    INDArray in = Nd4j.randn(DataType.DOUBLE, mb, 2L * d).muli(0.7);
    // item 7 appears twice: an accidental hit for rows 1 and 3
    INDArray labels = labels(new double[] {1, 0.5, 2, 1, 1}, new double[] {-1, -2, -0.5, -2, -3}, new double[] {3, 7, 5, 7, 9});
    for (boolean logq : new boolean[] {false, true}) {
      for (boolean hits : new boolean[] {false, true}) {
        InBatchSoftmax f = new InBatchSoftmax(d, 0.3, logq, hits);
        INDArray g = f.computeGradient(labels, in, new ActivationIdentity(), null);
        double eps = 1e-6;
        for (int i = 0; i < mb; i++) {
          for (int j = 0; j < 2 * d; j++) {
            INDArray plus = in.dup();
            plus.putScalar(i, j, in.getDouble(i, j) + eps);
            INDArray minus = in.dup();
            minus.putScalar(i, j, in.getDouble(i, j) - eps);
            double numeric = (f.computeScore(labels, plus, new ActivationIdentity(), null, false)
                - f.computeScore(labels, minus, new ActivationIdentity(), null, false)) / (2 * eps);
            assertThat(g.getDouble(i, j)).as("d/d[%d,%d] logq=%s hits=%s", i, j, logq, hits).isCloseTo(numeric, within(1e-5));
          }
        }
      }
    }
  }

  @Test
  void lossIsTheWeightedSumOfNegativeLogSoftmaxOfThePositive() {
    INDArray in = Nd4j.create(new double[][] {{1, 0, 1, 0}, {0, 1, 0, 1}});
    INDArray labels = labels(new double[] {1, 2}, new double[] {0, 0}, new double[] {1, 2});
    InBatchSoftmax f = new InBatchSoftmax(2, 1.0, false, false);
    // logits = [[1, 0], [0, 1]]: each row's positive has probability e/(e+1)
    double expected = -Math.log(Math.E / (Math.E + 1)) * 3;
    assertThat(f.computeScore(labels, in, new ActivationIdentity(), null, false)).isCloseTo(expected, within(1e-9));
    // an accidental hit removes the duplicate from the denominator: probability 1, loss 0
    INDArray dup = labels(new double[] {1, 1}, new double[] {0, 0}, new double[] {4, 4});
    assertThat(new InBatchSoftmax(2, 1.0, false, true).computeScore(dup, in, new ActivationIdentity(), null, false)).isCloseTo(0, within(1e-6));
  }

  /**
   * The gradient in the factored form (never forming W (P - I)) agrees with the direct formula on a batch of the size
   * training uses, in float; the score DL4J asks for after the gradient is the one a fresh computation gives.
   */
  @Test
  void factoredGradientAgreesWithTheDirectFormulaAndTheScoreAfterItIsFresh() {
    Nd4j.getRandom().setSeed(11);
    int mb = 512;
    int d = 32;
    double t = 0.2;
    INDArray in = Nd4j.randn(DataType.FLOAT, mb, 2L * d);
    in.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, d)).divi(8);
    in.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(d, 2 * d)).divi(8);
    double[] w = new double[mb];
    double[] logq = new double[mb];
    double[] ids = new double[mb];
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < mb; i++) {
      w[i] = i % 7 == 0 ? 0.5 : 1;
      logq[i] = -3 - 4 * r.nextDouble();
      ids[i] = r.nextInt(900);
    }
    INDArray labels = labels(w, logq, ids).castTo(DataType.FLOAT);
    InBatchSoftmax f = new InBatchSoftmax(d, t, true, false);
    INDArray g = f.computeGradient(labels, in, new ActivationIdentity(), null);
    double afterGradient = f.computeScore(labels, in, new ActivationIdentity(), null, false);
    double fresh = new InBatchSoftmax(d, t, true, false).computeScore(labels, in, new ActivationIdentity(), null, false);
    assertThat(afterGradient).isEqualTo(fresh);
    assertThat(f.computeScore(labels, in, new ActivationIdentity(), null, false)).as("computed again, not a stale copy").isEqualTo(fresh);

    INDArray u = in.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, d)).castTo(DataType.DOUBLE);
    INDArray v = in.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(d, 2 * d)).castTo(DataType.DOUBLE);
    INDArray logits = u.mmul(v.transpose()).divi(t).subiRowVector(Nd4j.create(logq, new long[] {1, mb}, 'c'));
    INDArray p = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true);
    INDArray direct = p.sub(Nd4j.eye(mb).castTo(DataType.DOUBLE)).muliColumnVector(Nd4j.create(w, new long[] {mb, 1}, 'c'));
    INDArray expected = Nd4j.hstack(direct.mmul(v), direct.transpose().mmul(u)).divi(t);
    double scale = expected.amaxNumber().doubleValue();
    assertThat(g.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5 * scale);
  }
}
