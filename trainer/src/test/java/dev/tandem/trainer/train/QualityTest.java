package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.eval.Evaluation;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the synthetic data (which plants a learnable signal) both models beat their baselines clearly. */
class QualityTest {
  @TempDir
  Path dir;

  private Map<String, Object> trainAndEvaluate(String yaml) {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(yaml, dir);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve(job.value().name()).toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    return Evaluation.evaluate(run, ds, SplitName.TEST, job.value().eval(), "best");
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoTowerBeatsPopularity() {
    Map<String, Object> r = trainAndEvaluate(SmallJobs.twoTower(6));
    Map<String, Object> base = (Map<String, Object>) r.get("baseline");
    assertThat(base.get("name")).isEqualTo("popularity");
    double model = ((Number) r.get("recall@10")).doubleValue();
    double pop = ((Number) base.get("recall@10")).doubleValue();
    assertThat(model).as("recall@10 model %s vs popularity %s", model, pop).isGreaterThan(1.5 * pop);
    assertThat(r).containsKeys("recall@20", "ndcg@10", "hitrate@10", "warm", "cold");
  }

  @Test
  @SuppressWarnings("unchecked")
  void rankingBeatsLogisticRegression() {
    Map<String, Object> r = trainAndEvaluate(SmallJobs.ranking("dcn", 6));
    Map<String, Object> base = (Map<String, Object>) r.get("baseline");
    assertThat(base.get("name")).isEqualTo("logistic_regression");
    double auc = ((Number) r.get("auc")).doubleValue();
    double lr = ((Number) base.get("auc")).doubleValue();
    assertThat(auc).as("auc model %s vs logistic regression %s", auc, lr).isGreaterThan(lr + 0.01);
    assertThat(((Number) r.get("logloss")).doubleValue()).isLessThan(((Number) base.get("logloss")).doubleValue());
    assertThat((Map<String, Boolean>) r.get("beats_baseline")).containsEntry("auc", true);
  }

  /**
   * The synthetic generator plants a history signal (users' tastes drift, and they follow what they recently watched
   * through): the same model with point-in-time history features of the user must beat it without them.
   */
  @Test
  void historyFeaturesCarryTheSyntheticHistorySignal() {
    String without = SmallJobs.ranking("logistic", 4).replace("name: rk", "name: rk_static");
    String device = "- {name: device, entity: context, kind: categorical}\n";
    String indent = without.substring(without.lastIndexOf('\n', without.indexOf(device)) + 1, without.indexOf(device));
    String with = SmallJobs.ranking("logistic", 4).replace("name: rk", "name: rk_history").replace(device, device
        + indent + "- {name: recent, kind: history_items, of: user, n: 10}\n"
        + indent + "- {name: user_rate, kind: history_rate, of: user, smoothing: 5}\n"
        + indent + "- {name: user_rate_7d, kind: history_rate, of: user, window: 7d, smoothing: 5}\n"
        + indent + "- {name: user_watch, kind: history_mean, of: user, source: watch_seconds, window: 7d, smoothing: 5}\n"
        + indent + "- {name: affinity, kind: history_share, of: user, source: category, smoothing: 2}\n");
    assertThat(with).contains("history_items");
    double a = ((Number) trainAndEvaluate(without).get("auc")).doubleValue();
    double b = ((Number) trainAndEvaluate(with).get("auc")).doubleValue();
    assertThat(b).as("auc with history %s vs without %s", b, a).isGreaterThan(a + 0.01);
  }
}
