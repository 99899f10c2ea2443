package dev.tandem.trainer.train;

import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.model.ModelSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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

  @Override
  public TrainingState train(RunRequest req) {
    JobConfig job = req.config();
    if (job.model() == null) {
      throw new ConfigException("model", "is required to train (type: two_tower or ranking)");
    }
    ModelSpec spec = spec(job, req.dataset());
    RunDirectory run = req.run();
    String yaml = JobConfig.runYaml(req.job());
    String sha = Datasets.configSha(req.job());
    long started = System.nanoTime();
    String created = req.resume() && run.exists() ? run.readInfo().created() : Instant.now().toString();
    run.writeString(run.job(), yaml);
    writeInfo(run, job, req, "running", created, null, null, 0);

    EpochRunner steps = epochRunner(req, spec);
    TrainingLoop main = new TrainingLoop(new TrainingLoop.Setup(job.name(), spec, job.train(), job.eval(), job.seed(), req.dataset(),
        run, yaml, sha, req.progress(), steps));
    TrainingState state = main.run(req.resume());

    List<Map<String, Object>> baselineHistory = null;
    if (!spec.isTwoTower()) {
      TrainingLoop baseline = new TrainingLoop(new TrainingLoop.Setup(job.name() + " baseline (logistic regression)",
          ModelSpec.of(ModelConfig.logisticBaseline(), req.dataset().transform()), baselineTraining(job.train()), job.eval(), job.seed(),
          req.dataset(), run.baseline(), yaml, sha, req.progress(), new SerialEpochs(0)));
      baselineHistory = baseline.run(req.resume()).history();
    }
    try {
      TrainingCurves.write(run.curves(), job.name(), state.history(), main.metricName(), baselineHistory);
    } catch (Exception e) {
      LOG.warn("could not draw training curves: {}", e.toString());
    }
    Map<String, Object> best = state.history().stream()
        .filter(m -> Boolean.TRUE.equals(m.get("improved"))).reduce((a, b) -> b).orElse(Map.of());
    writeInfo(run, job, req, "finished", created, state.bestCheckpoint(), best, (System.nanoTime() - started) / 1e9);
    LOG.info("run {} finished: {}; best checkpoint {}", run.root(), state.stopReason(), state.bestCheckpoint());
    return state;
  }

  /** The model spec of a job on a dataset, with ordinal targets fitted on the train split when asked for. */
  public static ModelSpec spec(JobConfig job, dev.tandem.datasets.PreparedDataset ds) {
    if (!job.model().ordinal()) {
      return ModelSpec.of(job.model(), ds.transform());
    }
    dev.tandem.datasets.LabelRule rule = dev.tandem.datasets.LabelRule.parse(ds.manifest().label(), "dataset.label");
    float[] values = ds.read(dev.tandem.datasets.split.SplitName.TRAIN).signals().get(rule.column());
    if (values == null) {
      throw new ConfigException("model.ordinal", "the label column '" + rule.column() + "' is not kept as a signal in " + ds.dir());
    }
    return ModelSpec.of(job.model(), ds.transform(), ModelSpec.ordinalTargets(rule, values));
  }

  /**
   * The baseline trains fast and converges in a few epochs; a higher learning rate suits a linear model. With
   * {@code baseline_epochs} set (a refit) it trains exactly that many.
   */
  static TrainConfig baselineTraining(TrainConfig t) {
    boolean fixed = t.baselineEpochs() != null;
    return new TrainConfig(fixed ? t.baselineEpochs() : Math.min(t.epochs(), 15), Math.max(t.batchSize(), 1024), TrainConfig.Optimizer.ADAM,
        0.01, 0, TrainConfig.Decay.NONE, 0.0, 1e-5, 0.0, new TrainConfig.EarlyStopping("auc", fixed ? 0 : 2, 0.0, 0), 0, 2, 1,
        t.evalBatchUsers(), false, null);
  }

  private void writeInfo(RunDirectory run, JobConfig job, RunRequest req, String status, String created, String best,
      Map<String, Object> bestMetrics, double seconds) {
    run.writeInfo(new RunDirectory.Info(job.name(), job.model().type().key(), status, created, Instant.now().toString(),
        req.dataset().dir().toString(), req.dataset().fingerprint(), CodeVersion.get(), best, bestMetrics, null, seconds,
        job.train().workers(), name()));
  }
}
