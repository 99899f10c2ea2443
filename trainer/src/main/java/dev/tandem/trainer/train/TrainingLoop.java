package dev.tandem.trainer.train;

import dev.tandem.CodeVersion;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.CheckpointStore;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.checkpoint.Provenance;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.eval.ModelEvaluator;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The single-node training loop of one model: shuffled epochs, validation after each, early stopping, checkpoints
 * every N steps and at each epoch end, metrics and curves. With one worker it is exactly reproducible, and resuming
 * from any checkpoint continues bit-for-bit where that checkpoint left off.
 */
public final class TrainingLoop {
  private static final Logger LOG = LogManager.getLogger(TrainingLoop.class);

  /** What the loop needs. {@code title} names the model in progress and logs. */
  public record Setup(String title, ModelSpec spec, TrainConfig train, EvalConfig eval, long seed, PreparedDataset dataset,
      RunDirectory run, String jobYaml, String configSha256, Progress progress, StepRunner steps) {}

  /**
   * Runs optimisation steps. The default fits one minibatch at a time on this thread; a data-parallel runner may
   * split work across threads or machines.
   */
  public interface StepRunner {
    /** Fits one minibatch and returns its mean loss. */
    double step(RecommenderModel model, Examples data, int[] idx, long globalStep, long seed);

    StepRunner SERIAL = (model, data, idx, globalStep, seed) -> {
      // reseeding per step makes dropout (and anything else random) a function of the step: exact resume
      long stepSeed = seed * 1_000_003L + globalStep;
      Nd4j.getRandom().setSeed(stepSeed);
      model.graph().fit(model.batch(data, idx, stepSeed));
      return model.graph().score();
    };
  }

  private final Setup s;
  private final CheckpointStore store;

  public TrainingLoop(Setup setup) {
    this.s = setup;
    this.store = new FsCheckpointStore(setup.run().checkpoints());
  }

  public CheckpointStore store() {
    return store;
  }

  public String metricName() {
    String m = s.train().earlyStopping().metric();
    if (m != null) {
      return m;
    }
    return s.spec().isTwoTower() ? "recall@" + s.eval().k().get(0) : "auc";
  }

  static boolean higherIsBetter(String metric) {
    return !(metric.contains("loss") || metric.contains("error"));
  }

  /** Trains from scratch, or from the latest good checkpoint if {@code resume}. Returns the final state. */
  public TrainingState run(boolean resume) {
    long wallStart = System.nanoTime();
    Examples split = Examples.of(s.dataset(), s.dataset().read(SplitName.TRAIN));

    Examples data;
    float[] logq = null;
    if (s.spec().isTwoTower()) {
      data = split.positives();
      logq = TwoTowerModel.itemLogq(data, s.dataset().items().size());
    } else {
      data = split;
    }
    int n = data.size();
    int batch = Math.min(s.train().batchSize(), n);
    // Two-tower: drop the last partial batch (a smaller batch has fewer negatives); the shuffle changes every epoch.
    int stepsPerEpoch = s.spec().isTwoTower() ? Math.max(1, n / batch) : (n + batch - 1) / batch;
    int planned = stepsPerEpoch * s.train().epochs();

    RecommenderModel model;
    TrainingState state;
    Checkpoint from = resume ? store.latestGood().orElse(null) : null;
    if (from != null) {
      model = RecommenderModel.wrap(from.spec(), from.graph(), logq);
      state = from.state();
      LOG.info("{}: resuming from {} (epoch {}, step {} of {})", s.title(), from.id(), state.epoch() + 1, state.stepInEpoch(), stepsPerEpoch);
      if (!from.spec().equals(s.spec())) {
        throw new IllegalStateException("checkpoint " + from.id() + " was made for another model spec; refusing to resume");
      }
    } else {
      if (resume) {
        LOG.info("{}: no checkpoint to resume from: starting from scratch", s.title());
      }
      model = s.spec().isTwoTower() ? TwoTowerModel.create(s.spec(), s.train(), s.seed(), planned, logq)
          : RankingModel.create(s.spec(), s.train(), s.seed(), planned);
      state = TrainingState.start(s.seed());
    }
    if (state.finished()) {
      LOG.info("{}: already finished ({})", s.title(), state.stopReason());
      return state;
    }
    String metric = metricName();
    boolean higher = higherIsBetter(metric);
    List<Map<String, Object>> history = new ArrayList<>(state.history());
    double lossSum = state.epochLossSum();
    long lossSteps = state.epochLossSteps();

    org.deeplearning4j.parallelism.ParallelWrapper parallel = s.train().workers() > 1 && s.steps() == StepRunner.SERIAL
        ? ParallelTraining.wrapper(model, s.train().workers()) : null;
    if (parallel != null) {
      LOG.info("{}: {} workers (ParallelWrapper, parameters averaged every {} steps); checkpoints at epoch ends only",
          s.title(), s.train().workers(), ParallelTraining.AVERAGING_FREQUENCY);
    }
    try {
    for (int epoch = state.epoch(); epoch < s.train().epochs(); epoch++) {
      int[] order = permutation(n, s.seed(), epoch);
      int first = epoch == state.epoch() ? state.stepInEpoch() : 0;
      if (epoch != state.epoch()) {
        lossSum = 0;
        lossSteps = 0;
      }
      long epochStart = System.nanoTime();
      long examples = 0;
      try (Progress.Task task = s.progress().start(s.title() + " epoch " + (epoch + 1) + "/" + s.train().epochs(),
          (long) (stepsPerEpoch - first) * batch, "ex")) {
        if (parallel != null) {
          EpochBatches it = new EpochBatches(model, data, order, batch, first, stepsPerEpoch, s.seed(), state.globalStep(), task);
          parallel.fit(it);
          double loss = model.graph().score();
          lossSum += loss * it.served();
          lossSteps += it.served();
          examples += (long) it.served() * batch;
          state = new TrainingState(epoch, stepsPerEpoch, state.globalStep() + it.served(), s.seed(), state.bestMetric(),
              state.bestCheckpoint(), state.epochsWithoutImprovement(), false, null, history, lossSum, lossSteps);
        }
        for (int step = parallel != null ? stepsPerEpoch : first; step < stepsPerEpoch; step++) {
          int lo = step * batch;
          int hi = Math.min(n, lo + batch);
          int[] idx = java.util.Arrays.copyOfRange(order, lo, hi);
          double loss = s.steps().step(model, data, idx, state.globalStep(), s.seed());
          if (Double.isNaN(loss) || Double.isInfinite(loss)) {
            throw new IllegalStateException(s.title() + ": the loss became " + loss + " at epoch " + (epoch + 1) + ", step " + step
                + "; lower train.learning_rate or set train.gradient_clip");
          }
          lossSum += loss;
          lossSteps++;
          examples += idx.length;
          state = new TrainingState(epoch, step + 1, state.globalStep() + 1, s.seed(), state.bestMetric(), state.bestCheckpoint(),
              state.epochsWithoutImprovement(), false, null, history, lossSum, lossSteps);
          task.advance(idx.length);
          task.status(String.format("loss %.4f", lossSum / lossSteps));
          int every = s.train().checkpointEvery();
          if (every > 0 && state.globalStep() % every == 0 && step + 1 < stepsPerEpoch) {
            save(model, state, null);
          }
        }
      }
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      model.graph().incrementEpochCount();

      Map<String, Object> val = ModelEvaluator.evaluate(model, s.dataset(), SplitName.VALIDATION, s.eval(), s.train().evalBatchUsers());
      double value = ((Number) val.get(metric)).doubleValue();
      boolean improved = Double.isNaN(state.bestMetric())
          || (higher ? value > state.bestMetric() + s.train().earlyStopping().minDelta() : value < state.bestMetric() - s.train().earlyStopping().minDelta());
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("epoch", epoch + 1);
      line.put("step", state.globalStep());
      line.put("train_loss", lossSteps == 0 ? Double.NaN : lossSum / lossSteps);
      for (Map.Entry<String, Object> e : val.entrySet()) {
        if (e.getValue() instanceof Number) {
          line.put("val_" + e.getKey(), e.getValue());
        }
      }
      line.put("learning_rate", model.graph().getLayers().length == 0 ? Double.NaN
          : model.graph().getLayers()[0].conf().getLayer().getUpdaterByParam("W").getLearningRate((int) state.globalStep(), epoch));
      line.put("examples_per_second", examples / Math.max(epochSeconds, 1e-9));
      line.put("epoch_seconds", epochSeconds);
      line.put("improved", improved);
      history.add(line);
      int without = improved ? 0 : state.epochsWithoutImprovement() + 1;
      String id = FsCheckpointStore.idFor(state.globalStep());
      boolean stop = s.train().earlyStopping().patience() > 0 && without >= s.train().earlyStopping().patience();
      boolean last = epoch + 1 >= s.train().epochs();
      String reason = stop ? "early stopping: no " + metric + " improvement for " + without + " epochs" : last ? "completed " + s.train().epochs() + " epochs" : null;
      state = new TrainingState(epoch + 1, 0, state.globalStep(), s.seed(), improved ? value : state.bestMetric(),
          improved ? id : state.bestCheckpoint(), without, stop || last, reason, List.copyOf(history), 0, 0);
      save(model, state, line);
      if (improved) {
        store.markBest(id);
      }
      s.run().writeMetrics(history);
      try {
        TrainingCurves.write(s.run().curves(), s.title(), history, metric, null);
      } catch (Exception e) {
        LOG.warn("could not draw training curves: {}", e.toString());
      }
      LOG.info("{}: epoch {} loss {} val {} {} ({}{} ex/s)", s.title(), epoch + 1, String.format("%.4f", (double) line.get("train_loss")),
          metric, String.format("%.4f", value), improved ? "best, " : "", String.format("%,.0f", (double) line.get("examples_per_second")));
      lossSum = 0;
      lossSteps = 0;
      if (stop) {
        break;
      }
    }
    } finally {
      if (parallel != null) {
        parallel.shutdown();
      }
    }
    LOG.info("{}: {} in {} s", s.title(), state.stopReason(), String.format("%.1f", (System.nanoTime() - wallStart) / 1e9));
    return state;
  }

  private void save(RecommenderModel model, TrainingState state, Map<String, Object> metrics) {
    Map<String, Object> m = metrics != null ? metrics
        : state.history().isEmpty() ? Map.of() : state.history().get(state.history().size() - 1);
    Provenance p = new Provenance(s.configSha256(), s.dataset().fingerprint(), s.dataset().dir().toString(),
        s.dataset().manifest().cacheKey(), s.dataset().manifest().inputs(), CodeVersion.get(), Instant.now().toString(), m, null);
    store.save(new Checkpoint(FsCheckpointStore.idFor(state.globalStep()), model.graph(), state, s.spec(), s.dataset().transform(),
        s.jobYaml(), p), s.train().keepCheckpoints());
  }

  /** The data order of an epoch: a function of (seed, epoch) only. */
  public static int[] permutation(int n, long seed, int epoch) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L);
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
