package dev.tandem.trainer.train;

import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.LabelRule;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.FileOperationException;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.model.ModelSpec;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Trains a run: the job's model, then (for ranking) the logistic-regression baseline on the same encoded features,
 * each with its own checkpoints, and records the run in {@code run.json}. How the main model's epochs run is up to
 * the {@link EpochRunner}: serially here (or data-parallel on threads with {@code train.workers > 1}); the distributed
 * trainer passes its own. The baseline always trains serially on this machine: it is small.
 */
public class LocalTrainer implements Trainer {
  private static final Logger LOG = LogManager.getLogger(LocalTrainer.class);

  /** The epoch runner of the main model; the default runs on this machine. */
  protected EpochRunner epochRunner(RunRequest req, ModelSpec spec) {
    JobConfig job = req.config();
    return job.train().workers() > 1 ? new ParallelEpochs(job.train().workers()) : new SerialEpochs(job.train().checkpointEvery());
  }

  /** Which trainer ran, for run.json. */
  protected String name() {
    return "local";
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code run.json} says how it ended: {@code finished} with the stop reason (all epochs, early stopping, the time
   * limit), {@code failed} with the error (a full disk, a damaged checkpoint, a diverging loss), or {@code interrupted}
   * when the process is asked to stop (Ctrl-C, SIGTERM) while training. Only SIGKILL leaves {@code running} behind.
   */
  @Override
  public TrainingState train(RunRequest req) {
    JobConfig job = req.config();
    job.requireModel();
    job.checkModelAgainst(JobConfig.Feature.of(req.dataset().transform()), "the prepared dataset at " + req.dataset().dir());
    RunDirectory run = req.run();
    String yaml = JobConfig.runYaml(req.job());
    String created = req.resume() && run.exists() ? run.readInfo().created() : Instant.now().toString();
    long started = System.nanoTime();
    run.writeString(run.job(), yaml);
    writeInfo(run, job, req, RunDirectory.RUNNING, created, null, null, 0, null, null);
    AtomicBoolean interrupted = new AtomicBoolean();
    Runnable onSignal = () -> {
      interrupted.set(true);
      LOG.warn("{}: interrupted: the process was asked to stop during training", job.name());
      writeInfo(run, job, req, RunDirectory.INTERRUPTED, created, null, null, (System.nanoTime() - started) / 1e9,
          "interrupted: the process was asked to stop (Ctrl-C or SIGTERM); continue with tandem train --resume " + run.root(), null);
    };
    // before Hadoop closes its file systems at exit, so run.json can still be written to HDFS
    ShutdownHookManager hooks = ShutdownHookManager.get();
    hooks.addShutdownHook(onSignal, FileSystem.SHUTDOWN_HOOK_PRIORITY + 10);
    try {
      TrainingState state = trainModels(req, job, run, yaml);
      EpochMetrics best = state.history().stream().filter(EpochMetrics::improved).reduce((a, b) -> b).orElse(null);
      if (!stopWatching(hooks, onSignal)) {
        return state; // the process is exiting: run.json says interrupted (its last checkpoint may be the final one)
      }
      writeInfo(run, job, req, RunDirectory.FINISHED, created, state.bestCheckpoint(), best, (System.nanoTime() - started) / 1e9,
          state.stopReason(), null);
      LOG.info("run {} finished: {}; best checkpoint {}", run.root(), state.stopReason(), state.bestCheckpoint());
      return state;
    } catch (RuntimeException | Error e) {
      if (!stopWatching(hooks, onSignal) || interrupted.get()) {
        throw e; // a failure of a process that is stopping anyway: the interruption is what run.json records
      }
      String error = describe(e);
      try {
        writeInfo(run, job, req, RunDirectory.FAILED, created, null, null, (System.nanoTime() - started) / 1e9, "failed: " + error, error);
      } catch (RuntimeException | Error unrecorded) {
        e.addSuppressed(unrecorded);
        LOG.warn("could not record the failure in {}: {}", run.info(), describe(unrecorded));
      }
      throw e;
    }
  }

  /** Removes the interruption hook; false when the JVM is already shutting down (the hook runs or has run). */
  private static boolean stopWatching(ShutdownHookManager hooks, Runnable hook) {
    try {
      hooks.removeShutdownHook(hook);
      return true;
    } catch (IllegalStateException shuttingDown) {
      return false;
    }
  }

  private TrainingState trainModels(RunRequest req, JobConfig job, RunDirectory run, String yaml) {
    ModelSpec spec = spec(job, req.dataset());
    String sha = Datasets.configSha(req.job());
    EpochRunner steps = epochRunner(req, spec);
    TrainingLoop main = new TrainingLoop(new TrainingLoop.Setup(job.name(), spec, job.train(), job.eval(), job.seed(), req.dataset(),
        run, yaml, sha, req.progress(), steps, job.cluster().parameterServer()));
    TrainingState state = main.run(req.resume(), req.fresh());

    List<EpochMetrics> baselineHistory = null;
    if (!spec.isTwoTower()) {
      TrainConfig baselineTrain = baselineTraining(job.train());
      TrainingLoop baseline = new TrainingLoop(new TrainingLoop.Setup(job.name() + " baseline (logistic regression)",
          ModelSpec.of(ModelConfig.logisticBaseline(), req.dataset().transform()), baselineTrain, job.eval(), job.seed(),
          req.dataset(), run.baseline(), yaml, sha, req.progress(), new SerialEpochs(baselineTrain.checkpointEvery())));
      baselineHistory = baseline.run(req.resume(), req.fresh()).history();
    }
    try {
      TrainingCurves.write(run.curves(), job.name(), state.history(), main.metric(), baselineHistory);
    } catch (Exception e) {
      LOG.warn("could not draw training curves: {}", e.toString());
    }
    return state;
  }

  /** One line for run.json: the innermost message that says what failed, with its outermost context. */
  static String describe(Throwable e) {
    Throwable named = e;
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof FileOperationException) {
        return c.getMessage();
      }
      if (c.getMessage() != null) {
        named = c;
      }
    }
    String outer = e.getMessage() != null ? e.getMessage() : e.toString();
    String inner = named.getMessage() != null ? named.getMessage() : named.toString();
    return outer.contains(inner) ? outer : outer + ": " + inner;
  }

  /** The model spec of a job on a dataset, with ordinal targets fitted on the train split when asked for. */
  public static ModelSpec spec(JobConfig job, PreparedDataset ds) {
    if (!job.model().ordinal()) {
      return ModelSpec.of(job.model(), ds.transform());
    }
    LabelRule rule = LabelRule.parse(ds.manifest().label(), "dataset.label");
    float[] values = ds.read(SplitName.TRAIN).signals().get(rule.column());
    if (values == null) {
      throw new ConfigException("model.ordinal", "the label column '" + rule.column() + "' is not kept as a signal in " + ds.dir());
    }
    return ModelSpec.of(job.model(), ds.transform(), ModelSpec.ordinalTargets(rule, values));
  }

  /** The baseline's recipe: at most this many epochs (unless a refit fixes them) ... */
  static final int BASELINE_MAX_EPOCHS = 15;
  /** ... batches at least this large ... */
  static final int BASELINE_MIN_BATCH = 1024;
  /** ... Adam at this learning rate, higher than a deep model's: a linear model takes it ... */
  static final double BASELINE_LEARNING_RATE = 0.01;
  /** ... a light L2 penalty ... */
  static final double BASELINE_WEIGHT_DECAY = 1e-5;
  /** ... stopped early on validation AUC after this many epochs without improvement ... */
  static final int BASELINE_PATIENCE = 2;
  /** ... keeping this many checkpoints besides the best. */
  static final int BASELINE_KEEP_CHECKPOINTS = 2;

  /**
   * The baseline's training: it trains fast and converges in a few epochs. With {@code baseline_epochs} set (a refit) it
   * trains exactly that many; every key the recipe above does not set keeps its default.
   */
  static TrainConfig baselineTraining(TrainConfig t) {
    boolean fixed = t.baselineEpochs() != null;
    return TrainConfig.of(fixed ? t.baselineEpochs() : Math.min(t.epochs(), BASELINE_MAX_EPOCHS), Math.max(t.batchSize(), BASELINE_MIN_BATCH),
        TrainConfig.Optimizer.ADAM, BASELINE_LEARNING_RATE, null, TrainConfig.Decay.NONE, null, BASELINE_WEIGHT_DECAY, null,
        TrainConfig.EarlyStopping.of("auc", fixed ? 0 : BASELINE_PATIENCE, null, null), null, BASELINE_KEEP_CHECKPOINTS, null,
        t.evalBatchUsers(), null, null, null);
  }

  private void writeInfo(RunDirectory run, JobConfig job, RunRequest req, String status, String created, String best,
      EpochMetrics bestMetrics, double seconds, String stopReason, String error) {
    run.writeInfo(new RunDirectory.Info(job.name(), job.model().type().key(), status, created, Instant.now().toString(),
        req.dataset().dir().toString(), req.dataset().fingerprint(), CodeVersion.get(), best, bestMetrics, stopReason, seconds,
        job.train().workers(), name(), error));
  }
}
