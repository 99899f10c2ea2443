package dev.tandem.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.trainer.metrics.CalibrationBin;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void topKSkipsSeenItemsAndBreaksTiesTowardsTheLowerId() {
    float[] s = {0.5f, 0.9f, 0.9f, 0.1f, 0.9f, 0.7f};
    BitSet seen = new BitSet();
    seen.set(2);
    assertThat(RetrievalMetrics.topK(s, seen, 4)).containsExactly(1, 4, 5, 0);
    assertThat(RetrievalMetrics.topK(s, new BitSet(), 10)).containsExactly(1, 2, 4, 5, 0, 3);
  }

  @Test
  void recallNdcgAndHitRateFollowTheProtocol() {
    int[] top = {7, 3, 9, 1, 2};
    int[] positives = {3, 2, 8};
    double[] m = RetrievalMetrics.perUser(top, positives, List.of(2, 5));
    assertThat(m[0]).isCloseTo(1.0 / 3, within(1e-12));               // recall@2
    double dcg2 = 1 / (Math.log(3) / Math.log(2));
    double idcg2 = 1 + 1 / (Math.log(3) / Math.log(2));
    assertThat(m[1]).isCloseTo(dcg2 / idcg2, within(1e-12));           // ndcg@2: ideal over min(2, |P|) positions
    assertThat(m[2]).isEqualTo(1);                                      // hit@2
    assertThat(m[3]).isCloseTo(2.0 / 3, within(1e-12));                // recall@5
    double dcg5 = 1 / (Math.log(3) / Math.log(2)) + 1 / (Math.log(6) / Math.log(2));
    double idcg5 = 1 + 1 / (Math.log(3) / Math.log(2)) + 1 / (Math.log(4) / Math.log(2));
    assertThat(m[4]).isCloseTo(dcg5 / idcg5, within(1e-12));
  }

  @Test
  void aucEqualsThePairwiseDefinitionWithTies() {
    Random r = new Random(5);
    float[] p = new float[300];
    float[] y = new float[300];
    for (int i = 0; i < p.length; i++) {
      p[i] = r.nextInt(20) / 20f; // many ties
      y[i] = r.nextDouble() < 0.2 + 0.6 * p[i] ? 1 : 0;
    }
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p.length; j++) {
        if (y[i] == 1 && y[j] == 0) {
          pairs++;
          wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
        }
      }
    }
    assertThat(RankingMetrics.auc(p, y)).isCloseTo(wins / pairs, within(1e-12));
    assertThat(RankingMetrics.auc(new float[] {0.1f, 0.2f}, new float[] {1, 1})).isNaN();
  }

  @Test
  void loglossAndCalibration() {
    float[] p = {0.9f, 0.2f, 0.95f, 0.05f};
    float[] y = {1, 0, 0, 0};
    double expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.05f) + Math.log(0.95f)) / 4;
    assertThat(RankingMetrics.logloss(p, y)).isCloseTo(expected, within(1e-6));
    List<CalibrationBin> bins = RankingMetrics.calibration(p, y, 10);
    assertThat(bins).hasSize(10);
    assertThat(bins.get(9).count()).isEqualTo(2);
    assertThat(bins.get(9).observedRate()).isEqualTo(0.5);
    assertThat(bins.get(0).count()).isEqualTo(1);
  }

  /** Predictions that leave calibration bins empty still have an expected calibration error (empty bins weigh nothing). */
  @Test
  void calibrationErrorIgnoresEmptyBins() {
    float[] p = {0.1f, 0.1f, 0.9f, 0.9f};
    float[] y = {0, 1, 1, 1};
    // bin 0.1-0.2: mean 0.1, observed 0.5 (|0.4| x 2); bin 0.9-1.0: mean 0.9, observed 1.0 (|0.1| x 2); 8 bins empty
    assertThat(RankingMetrics.evaluate(p, y, 10).values().get("expected_calibration_error")).isCloseTo(0.25, within(1e-6));
  }
}
