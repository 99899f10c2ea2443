package dev.tandem.trainer.tune.sweep;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.RunDirectory;
import java.util.List;

/**
 * The objective of a finished trial where its training run does not hold it: with {@code objective.split: test}, the
 * value of a trial is its best checkpoint's on the test split (the validation curve still drives ASHA). Evaluating can
 * take long (loading a model and a dataset), so the sweep never holds its state lock while it runs.
 */
public interface TrialEvaluation {

  /**
   * Evaluates a finished trial's run. Reads the run; writes nothing into it.
   *
   * @param run    the trial's run directory (its process has ended)
   * @param metric the objective's metric
   * @return the metric's value
   * @throws RuntimeException when the run cannot be evaluated or the evaluation has no such metric (an
   *     {@link IllegalArgumentException} naming the metrics it has): the sweep then records the trial without a value
   */
  double evaluate(RunDirectory run, Metric metric);

  /** The test split's evaluation of the run's best checkpoint, on its dataset prepared (or cached) under {@code cacheRoot}. */
  static TrialEvaluation testSplit(String cacheRoot) {
    return (run, metric) -> {
      ConfigLoader.Loaded<JobConfig> job = JobConfig.load(run.job().toString(), List.of());
      var ds = Datasets.resolve(job, cacheRoot, Progress.NONE);
      Scores test = Evaluation.evaluate(run, ds, SplitName.TEST, job.value().eval(), "best").scores();
      if (!test.has(metric)) {
        throw new IllegalArgumentException("the test evaluation has no " + metric + " (it has " + test.values().keySet() + ")");
      }
      return test.value(metric);
    };
  }
}
