package dev.tandem.trainer.train;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitConfig;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Refitting a finished run on train + validation ({@code train.refit: true}).
 *
 * <p>Validation has chosen the number of epochs (and, in a sweep, the hyperparameters); the model that would serve the
 * period after the validation split is then trained from scratch on every event before it, for that many epochs,
 * with the feature transform fitted again on train + validation. This is how a model is retrained for deployment: the
 * most recent events (newer users and items above all) are the most useful, and holding them out once they have
 * done their job of choosing throws them away. The test split is untouched, so the refit model is still measured on a
 * period it has not seen; what it can no longer do is choose its own stopping point, which is why the selection run is
 * kept beside it.
 *
 * <p>The refit is an ordinary run in {@code RUN/refit} whose {@code job.yaml} spells out the derived split and
 * epochs, so it is evaluated, resumed and exported like any other. A ranking job's logistic-regression baseline is
 * refit the same way, for the epochs its own validation chose, so the two stay comparable.
 */
public final class Refit {
  private static final Logger LOG = LogManager.getLogger(Refit.class);

  private Refit() {}

  /** Where the refit of a run lives. */
  public static RunDirectory dir(RunDirectory run) {
    return new RunDirectory(new Path(run.root(), "refit"));
  }

  /**
   * The epoch validation chose: the last epoch marked as an improvement, or, when none was (validation empty or
   * never watched), every epoch trained.
   */
  public static int chosenEpochs(List<EpochMetrics> history) {
    int chosen = 0;
    for (EpochMetrics m : history) {
      if (m.improved()) {
        chosen = m.epoch();
      }
    }
    return chosen > 0 ? chosen : Math.max(1, history.size());
  }

  /**
   * The overrides that turn a selection job into its refit: validation folded into train, the chosen epochs, no early
   * stopping (there is nothing left to stop on), and the baseline's own chosen epochs when there is one.
   *
   * @param baselineEpochs epochs the baseline's validation chose, or null when the job has no baseline
   */
  public static List<String> overrides(JobConfig job, int epochs, Integer baselineEpochs) {
    if (job.dataset() == null) {
      throw new ConfigException("train.refit", "needs the job's dataset section to fold validation into train; a job with only 'prepared:' "
          + "has its split fixed at preparation");
    }
    SplitConfig split = job.dataset().split();
    List<String> out = new ArrayList<>();
    if (job.prepared() != null) {
      out.add("prepared=null"); // the selection run's prepared dataset has the other split: the refit prepares its own
    }
    if (split.byFraction()) {
      // rounded so that 0.8 + 0.1 reads 0.9 in the refit's job.yaml
      out.add("dataset.split.train=" + Math.round((split.train() + split.validation()) * 1e9) / 1e9);
      out.add("dataset.split.validation=0.0");
      out.add("dataset.split.test=" + split.test());
    } else {
      out.add("dataset.split.train_end=" + split.validationEnd());
    }
    out.add("name=" + job.name() + "-refit");
    out.add("train.epochs=" + epochs);
    out.add("train.early_stopping.patience=0");
    out.add("train.early_stopping.start_from_epoch=0");
    out.add("train.refit=false");
    if (baselineEpochs != null) {
      out.add("train.baseline_epochs=" + baselineEpochs);
    }
    return out;
  }

  /**
   * Trains (or resumes) the refit of the finished run {@code run} with the same trainer. The epochs come from the run's
   * own {@code metrics.jsonl} (and its baseline's).
   *
   * @param cacheRoot where the refit's dataset (a new split, so a new recipe) is prepared or found
   */
  public static TrainingState run(Trainer trainer, RunDirectory run, String cacheRoot, Progress progress) {
    if (!run.exists()) {
      throw new IllegalArgumentException("no run to refit at " + run.root() + " (job.yaml is missing)");
    }
    if (!"finished".equals(run.readInfo().status())) {
      throw new IllegalArgumentException("the run at " + run.root() + " has not finished training: continue it with tandem train --resume "
          + run.root() + " first");
    }
    ConfigLoader.Loaded<JobConfig> job = JobConfig.load(run.job().toString(), List.of());
    Integer baselineEpochs = null;
    if (job.value().model() != null && job.value().model().type() == ModelConfig.Type.RANKING) {
      List<EpochMetrics> baseline = run.baseline().readMetrics();
      baselineEpochs = baseline.isEmpty() ? null : chosenEpochs(baseline);
    }
    int epochs = chosenEpochs(run.readMetrics());
    ConfigLoader.Loaded<JobConfig> refit = JobConfig.load(run.job().toString(), overrides(job.value(), epochs, baselineEpochs));
    RunDirectory dir = dir(run);
    boolean resume = dir.exists();
    LOG.info("{}: refitting on train + validation for {} epochs (baseline {}) into {}{}", job.value().name(), epochs,
        baselineEpochs == null ? "-" : baselineEpochs, dir.root(), resume ? " (resuming)" : "");
    PreparedDataset ds = Datasets.resolve(refit, cacheRoot, progress);
    return trainer.train(new RunRequest(refit, dir, ds, resume, progress));
  }
}
