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
    assertThat(auc).as("auc model %s vs logistic regression %s", auc, lr).isGreaterThan(lr + 0.02);
    assertThat(r.scores().value(Metric.LOGLOSS)).isLessThan(r.baseline().scores().value(Metric.LOGLOSS));
    assertThat(r.beatsBaseline()).containsEntry("auc", true);
  }
}
