package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The attention vertex against its definition: values, masking, and gradients against finite differences. */
class HistoryAttentionTest {
  private static final int L = 4;
  private static final int D = 3;

  private static HistoryAttention vertex() {
    return new HistoryAttention(null, "att", 0, L, D, DataType.FLOAT);
  }

  private static float[] forward(HistoryAttention v, float[] emb, float[] present, int mb) {
    LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
    v.setInputs(new INDArray[] {Nd4j.create(emb, new long[] {mb, L + 1, D}, 'c'), Nd4j.create(present, new long[] {mb, L}, 'c')});
    return v.doForward(true, ws).reshape(-1).toFloatVector();
  }

  private static float[] random(int n, Random r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  @Test
  void poolsTheHistoryBySoftmaxOfDotProductsWithTheCandidate() {
    float[] emb = random((L + 1) * D, new Random(1));
    float[] present = {1, 1, 0, 1};
    float[] out = forward(vertex(), emb, present, 1);
    double[] s = new double[L];
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < L; k++) {
      for (int d = 0; d < D; d++) {
        s[k] += emb[(k + 1) * D + d] * emb[d];
      }
      s[k] /= Math.sqrt(D);
      if (present[k] > 0) {
        max = Math.max(max, s[k]);
      }
    }
    double sum = 0;
    for (int k = 0; k < L; k++) {
      sum += present[k] > 0 ? Math.exp(s[k] - max) : 0;
    }
    for (int d = 0; d < D; d++) {
      double pooled = 0;
      for (int k = 0; k < L; k++) {
        pooled += present[k] > 0 ? Math.exp(s[k] - max) / sum * emb[(k + 1) * D + d] : 0;
      }
      assertThat((double) out[d]).as("pooled[%s]", d).isCloseTo(pooled, within(1e-5));
      assertThat(out[D + d]).as("candidate[%s]", d).isEqualTo(emb[d]);
    }
  }

  @Test
  void emptySlotsDoNotCountAndNoHistoryPoolsToZero() {
    Random r = new Random(2);
    float[] emb = random((L + 1) * D, r);
    float[] present = {1, 0, 1, 0};
    float[] out = forward(vertex(), emb, present, 1);
    float[] changed = emb.clone();
    for (int d = 0; d < D; d++) {
      changed[2 * D + d] += 5; // slot 1 (empty)
      changed[4 * D + d] -= 3; // slot 3 (empty)
    }
    assertThat(forward(vertex(), changed, present, 1)).containsExactly(out);
    float[] none = forward(vertex(), emb, new float[L], 1);
    for (int d = 0; d < D; d++) {
      assertThat(none[d]).isZero();
      assertThat(none[D + d]).isEqualTo(emb[d]);
    }
  }

  @Test
  void theWeightsFollowTheCandidate() {
    // two history items along orthogonal axes: a candidate along one pools closer to it
    float[] emb = new float[(L + 1) * D];
    emb[D] = 4;                 // history slot 0: (4, 0, 0)
    emb[2 * D + 1] = 4;         // history slot 1: (0, 4, 0)
    float[] present = {1, 1, 0, 0};
    emb[0] = 3;                 // candidate (3, 0, 0)
    float[] towardFirst = forward(vertex(), emb, present, 1);
    emb[0] = 0;
    emb[1] = 3;                 // candidate (0, 3, 0)
    float[] towardSecond = forward(vertex(), emb, present, 1);
    assertThat(towardFirst[0]).isGreaterThan(3.5f);
    assertThat(towardSecond[1]).isGreaterThan(3.5f);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    Random r = new Random(3);
    int mb = 3;
    float[] emb = random(mb * (L + 1) * D, r);
    float[] present = {1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1};
    float[] g = random(mb * 2 * D, r);
    HistoryAttention v = vertex();
    forward(v, emb, present, mb);
    v.setEpsilon(Nd4j.create(g, new long[] {mb, 2 * D}, 'c'));
    INDArray[] eps = v.doBackward(false, LayerWorkspaceMgr.noWorkspaces()).getSecond();
    float[] analytic = eps[0].reshape(-1).toFloatVector();
    assertThat(eps[1].shape()).containsExactly(mb, L);
    double h = 1e-2;
    for (int i = 0; i < emb.length; i++) {
      float[] plus = emb.clone();
      plus[i] += (float) h;
      float[] minus = emb.clone();
      minus[i] -= (float) h;
      double numeric = (dot(forward(vertex(), plus, present, mb), g) - dot(forward(vertex(), minus, present, mb), g)) / (2 * h);
      assertThat((double) analytic[i]).as("d loss / d emb[%s]", i).isCloseTo(numeric, within(2e-3 + 2e-2 * Math.abs(numeric)));
    }
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
