package dev.tandem.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.split.SplitName;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One place knows a metric's direction, its metrics.jsonl key and which one picks the best epoch. */
class MetricTest {
  @Test
  void lossesAndErrorsAreMinimisedEverythingElseMaximised() {
    assertThat(Metric.recall(10).maximised()).isTrue();
    assertThat(Metric.AUC.maximised()).isTrue();
    assertThat(Metric.LOGLOSS.maximised()).isFalse();
    assertThat(Metric.named("expected_calibration_error").direction()).isEqualTo(Metric.Direction.MINIMISE);
  }

  @Test
  void keysCarryTheSplitAndParseBack() {
    assertThat(Metric.recall(10).key(SplitName.VALIDATION)).isEqualTo("val_recall@10");
    assertThat(Metric.LOSS.key(SplitName.TRAIN)).isEqualTo("train_loss");
    assertThat(Metric.parse("val_ndcg@20")).isEqualTo(Metric.ndcg(20));
    assertThat(Metric.parse(" auc ")).isEqualTo(Metric.AUC);
    assertThat(Metric.ofKey("val_hitrate@5", SplitName.VALIDATION)).contains(Metric.hitRate(5));
    assertThat(Metric.ofKey("epoch", SplitName.VALIDATION)).isEmpty();
    assertThat(Metric.ofKey("val_", SplitName.VALIDATION)).isEmpty();
  }

  @Test
  void betterAndImprovesFollowTheDirectionAndTreatNaNAsNothing() {
    assertThat(Metric.AUC.better(0.7, 0.6)).isTrue();
    assertThat(Metric.LOGLOSS.better(0.7, 0.6)).isFalse();
    assertThat(Metric.AUC.better(Double.NaN, 0.1)).isFalse();
    assertThat(Metric.AUC.better(0.1, Double.NaN)).isTrue();
    assertThat(Metric.AUC.improves(0.61, 0.6, 0.05)).isFalse();
    assertThat(Metric.AUC.improves(0.66, 0.6, 0.05)).isTrue();
    assertThat(Metric.LOGLOSS.improves(0.5, 0.6, 0.05)).isTrue();
    assertThat(Metric.LOGLOSS.improves(0.58, 0.6, 0.05)).isFalse();
    assertThat(Metric.AUC.improves(Double.NaN, Double.NaN, 0)).as("the first scored epoch is the best so far").isTrue();
    assertThat(Metric.AUC.improves(Double.NaN, 0.5, 0)).isFalse();
  }

  @Test
  void theWatchedMetricIsTheChosenOneElseRecallAtTheFirstCutOffOrAuc() {
    assertThat(Metric.watched(null, true, List.of(20, 50))).isEqualTo(Metric.recall(20));
    assertThat(Metric.watched(null, false, List.of(10))).isEqualTo(Metric.AUC);
    assertThat(Metric.watched("logloss", false, List.of(10))).isEqualTo(Metric.LOGLOSS);
    assertThat(Metric.watched("val_ndcg@10", true, List.of(10))).isEqualTo(Metric.ndcg(10));
  }
}
