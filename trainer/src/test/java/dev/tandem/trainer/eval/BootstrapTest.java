package dev.tandem.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  private static final int N = 4000;

  /** Labels, a weak model, a better one (same events), 200 users of 20 events each. */
  private static float[][] data() {
    SplittableRandom r = new SplittableRandom(5);
    float[] y = new float[N];
    float[] weak = new float[N];
    float[] strong = new float[N];
    for (int i = 0; i < N; i++) {
      double z = r.nextGaussian();
      y[i] = z + 0.8 * r.nextGaussian() > 0 ? 1 : 0;
      weak[i] = (float) (1 / (1 + Math.exp(-(0.3 * z + r.nextGaussian()))));
      strong[i] = (float) (1 / (1 + Math.exp(-(z + 0.5 * r.nextGaussian()))));
    }
    weak[7] = weak[8]; // a tie
    return new float[][] {y, weak, strong};
  }

  private static int[] users() {
    int[] c = new int[N];
    for (int i = 0; i < N; i++) {
      c[i] = i / 20;
    }
    return c;
  }

  @Test
  void theWeightedMetricsEqualTheMetricsOfTheExpandedSample() {
    float[][] d = data();
    int[] mult = new int[N];
    SplittableRandom r = new SplittableRandom(9);
    int total = 0;
    for (int i = 0; i < N; i++) {
      mult[i] = r.nextInt(3);
      total += mult[i];
    }
    float[] p = new float[total];
    float[] y = new float[total];
    int k = 0;
    for (int i = 0; i < N; i++) {
      for (int m = 0; m < mult[i]; m++) {
        p[k] = d[1][i];
        y[k++] = d[0][i];
      }
    }
    assertThat(Bootstrap.weighted("auc", d[1], d[0], Bootstrap.order(d[1]), mult)).isCloseTo(RankingMetrics.auc(p, y), within(1e-12));
    assertThat(Bootstrap.weighted("logloss", d[1], d[0], null, mult)).isCloseTo(RankingMetrics.logloss(p, y), within(1e-9));
  }

  @Test
  void aClearlyBetterModelHasAnIntervalAboveZeroAndTheSameModelAnIntervalOfZero() {
    float[][] d = data();
    Bootstrap.Interval better = Bootstrap.paired("auc", d[1], d[2], d[0], users(), 200, 0.9, 1);
    assertThat(better.estimate()).isCloseTo(RankingMetrics.auc(d[2], d[0]) - RankingMetrics.auc(d[1], d[0]), within(1e-12));
    assertThat(better.lo()).isGreaterThan(0);
    assertThat(better.lo()).isLessThan(better.estimate());
    assertThat(better.hi()).isGreaterThan(better.estimate());
    Bootstrap.Interval same = Bootstrap.paired("auc", d[2], d[2], d[0], users(), 100, 0.9, 1);
    assertThat(same.lo()).isZero();
    assertThat(same.hi()).isZero();
    Bootstrap.Interval worse = Bootstrap.paired("logloss", d[1], d[2], d[0], users(), 100, 0.9, 1);
    assertThat(worse.hi()).as("the better model's log loss is lower").isLessThan(0);
    Bootstrap.Interval one = Bootstrap.single("auc", d[2], d[0], users(), 200, 0.9, 2);
    assertThat(one.lo()).isLessThan(one.estimate()).isGreaterThan(0.7);
  }
}
