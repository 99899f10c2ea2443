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
    assertThat(auc).as("auc model %s vs logistic regression %s", auc, lr).isGreaterThan(lr + 0.02);
    assertThat(((Number) r.get("logloss")).doubleValue()).isLessThan(((Number) base.get("logloss")).doubleValue());
    assertThat((Map<String, Boolean>) r.get("beats_baseline")).containsEntry("auc", true);
  }
}
