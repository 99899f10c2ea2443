package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Metric;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the synthetic data (which plants a learnable signal) both models beat their baselines clearly. */
class QualityTest {
  @TempDir
  Path dir;

  private EvaluationResult trainAndEvaluate(String yaml) {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(yaml, dir);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve(job.value().name()).toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    return Evaluation.evaluate(run, ds, SplitName.TEST, job.value().eval(), "best");
  }

  @Test
  void twoTowerBeatsPopularity() {
    EvaluationResult r = trainAndEvaluate(SmallJobs.twoTower(6));
    assertThat(r.baseline().name()).isEqualTo("popularity");
    double model = r.scores().value(Metric.recall(10));
    double pop = r.baseline().scores().value(Metric.recall(10));
    assertThat(model).as("recall@10 model %s vs popularity %s", model, pop).isGreaterThan(1.5 * pop);
    assertThat(r.scores().values()).containsKeys("recall@20", "ndcg@10", "hitrate@10");
    assertThat(r.scores().groups()).containsKeys("warm", "cold");
  }

  @Test
  void rankingBeatsLogisticRegression() {
    EvaluationResult r = trainAndEvaluate(SmallJobs.ranking("dcn", 6));
    assertThat(r.baseline().name()).isEqualTo("logistic_regression");
    double auc = r.scores().value(Metric.AUC);
    double lr = r.baseline().scores().value(Metric.AUC);
    assertThat(auc).as("auc model %s vs logistic regression %s", auc, lr).isGreaterThan(lr + 0.01);
    assertThat(r.scores().value(Metric.LOGLOSS)).isLessThan(r.baseline().scores().value(Metric.LOGLOSS));
    assertThat(r.beatsBaseline()).containsEntry("auc", true);
  }

  /**
   * The synthetic generator plants a history signal (users' tastes drift, and they follow what they recently watched
   * through): the same model with point-in-time history features of the user must beat it without them.
   */
  /** A ranking job of {@code architecture} whose inputs also hold the user's history features. */
  private static String withHistory(String architecture, int epochs, String name) {
    String job = SmallJobs.ranking(architecture, epochs).replace("name: rk", "name: " + name);
    String device = "- {name: device, entity: context, kind: categorical}\n";
    String indent = job.substring(job.lastIndexOf('\n', job.indexOf(device)) + 1, job.indexOf(device));
    String with = job.replace(device, device
        + indent + "- {name: recent, kind: history_items, of: user, n: 10}\n"
        + indent + "- {name: user_rate, kind: history_rate, of: user, smoothing: 5}\n"
        + indent + "- {name: user_rate_7d, kind: history_rate, of: user, window: 7d, smoothing: 5}\n"
        + indent + "- {name: user_watch, kind: history_mean, of: user, source: watch_seconds, window: 7d, smoothing: 5}\n"
        + indent + "- {name: affinity, kind: history_share, of: user, source: category, smoothing: 2}\n");
    assertThat(with).contains("history_items");
    return with;
  }

  @Test
  void historyFeaturesCarryTheSyntheticHistorySignal() {
    String without = SmallJobs.ranking("logistic", 4).replace("name: rk", "name: rk_static");
    String with = withHistory("logistic", 4, "rk_history");
    double a = trainAndEvaluate(without).scores().value(Metric.AUC);
    double b = trainAndEvaluate(with).scores().value(Metric.AUC);
    assertThat(b).as("auc with history %s vs without %s", b, a).isGreaterThan(a + 0.01);
  }

  /**
   * The DCN attending over the history from the candidate (DIN-style) trains end to end, is saved and reloaded as its
   * best checkpoint, and beats the logistic regression given the same history features.
   */
  @Test
  void attentionOverTheHistoryTrainsAndBeatsItsBaseline() {
    String job = withHistory("dcn", 5, "rk_attention").replace("dropout: 0.1}", "dropout: 0.1, history_pooling: attention}");
    assertThat(job).contains("history_pooling: attention");
    EvaluationResult r = trainAndEvaluate(job);
    double auc = r.scores().value(Metric.AUC);
    double lr = r.baseline().scores().value(Metric.AUC);
    assertThat(auc).as("auc attention %s vs logistic regression %s", auc, lr).isGreaterThan(lr);
  }
}
