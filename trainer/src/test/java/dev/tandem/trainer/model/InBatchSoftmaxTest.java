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
}
