package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Metric;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A refit trains the chosen epochs again on train + validation and leaves the test split as it was. */
class RefitTest {
  @TempDir
  Path dir;

  @Test
  void refitFoldsValidationIntoTrainForTheEpochsValidationChose() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 4), dir, "train.refit=true",
        "train.early_stopping.patience=2");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    LocalTrainer trainer = new LocalTrainer();
    TrainingState selection = trainer.train(new RunRequest(job, run, ds, false, Progress.NONE));
    String cache = dir.resolve("cache").toString();

    TrainingState refit = Refit.run(trainer, run, cache, Progress.NONE);

    RunDirectory r = Refit.dir(run);
    JobConfig rj = JobConfig.load(r.job().toString(), List.of()).value();
    assertThat(rj.name()).isEqualTo("rk-refit");
    assertThat(rj.train().refit()).isFalse();
    assertThat(rj.dataset().split().train()).isEqualTo(0.9);
    assertThat(rj.dataset().split().validation()).isEqualTo(0.0);
    int chosen = Refit.chosenEpochs(selection.history());
    assertThat(refit.history()).hasSize(chosen);
    assertThat(rj.train().epochs()).isEqualTo(chosen);
    assertThat(r.baseline().readMetrics()).hasSize(Refit.chosenEpochs(run.baseline().readMetrics()));

    PreparedDataset rds = PreparedDataset.open(r.readInfo().datasetPath());
    assertThat(rds.size(SplitName.TRAIN)).isEqualTo(ds.size(SplitName.TRAIN) + ds.size(SplitName.VALIDATION));
    assertThat(rds.size(SplitName.VALIDATION)).isZero();
    EventBatch before = ds.read(SplitName.TEST);
    EventBatch after = rds.read(SplitName.TEST);
    assertThat(after.timestamp()).isEqualTo(before.timestamp());
    assertThat(after.label()).isEqualTo(before.label());
    // the feature transform is fitted again: users first seen in validation now have their own id
    assertThat(rds.transform()).isNotEqualTo(ds.transform());

    EvaluationResult eval = Evaluation.evaluate(r, rds, SplitName.TEST, EvalConfig.DEFAULT, "best");
    assertThat(eval.scores().value(Metric.AUC)).isBetween(0.5, 1.0);
    assertThat(eval.baseline().scores().value(Metric.AUC)).isBetween(0.5, 1.0);

    // running it again resumes the finished refit instead of training anew
    TrainingState again = Refit.run(trainer, run, cache, Progress.NONE);
    assertThat(again.globalStep()).isEqualTo(refit.globalStep());
    assertThat(again.bestCheckpoint()).isEqualTo(refit.bestCheckpoint());
  }

  @Test
  void anUnfinishedRunIsRefusedWithAdvice() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 2), dir);
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    new LocalTrainer().train(new RunRequest(job, run, SmallJobs.dataset(job, dir), false, Progress.NONE));
    run.writeInfo(new RunDirectory.Info("rk", "ranking", "running", null, null, null, null, null, null, null, null, 0, 1, "local", null));
    assertThatThrownBy(() -> Refit.run(new LocalTrainer(), run, dir.resolve("cache").toString(), Progress.NONE))
        .hasMessageContaining("has not finished").hasMessageContaining("--resume");
  }

  @Test
  void cutOffSplitsMoveTrainEndToValidationEnd() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 2), dir,
        "dataset.split={train_end: '2024-01-10', validation_end: '2024-01-20'}");
    assertThat(Refit.overrides(job.value(), 3, 2)).contains("dataset.split.train_end=2024-01-20", "train.epochs=3",
        "train.baseline_epochs=2", "train.early_stopping.patience=0");
  }

  @Test
  void aPreparedDatasetCannotBeRefit() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load("name: p\nprepared: /nowhere\nmodel: {type: ranking}\n", dir);
    assertThatThrownBy(() -> Refit.overrides(job.value(), 3, null)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.refit");
  }
}
