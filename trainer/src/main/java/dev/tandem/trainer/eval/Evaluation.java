package dev.tandem.trainer.eval;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.RunDirectory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tandem evaluate}: a run's best checkpoint (or a chosen one) on a split, with its baseline beside it (written to
 * {@code eval-SPLIT.json} by the command). Retrieval reports Recall/NDCG/HitRate@K overall and for warm and cold users against
 * popularity; ranking reports AUC, log loss and a calibration table against logistic regression.
 */
public final class Evaluation {
  private Evaluation() {}

  /** Which checkpoint: "best", "latest" or an id. */
  public static Checkpoint checkpoint(RunDirectory run, String which) {
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    return switch (which) {
      case "latest" -> store.latestGood().orElseThrow(() -> new IllegalArgumentException("no usable checkpoint in " + run.checkpoints()));
      case "best" -> store.load(store.best().orElseThrow(() -> new IllegalArgumentException("no best checkpoint in " + run.checkpoints()
          + " (did the first epoch finish?)")));
      default -> store.load(which);
    };
  }

  /**
   * Evaluates a run's checkpoint on a split of the dataset it was trained on, with its baseline: popularity for a
   * retrieval model, the run's logistic-regression baseline (its best checkpoint, or its latest with {@code latest})
   * for a ranking model.
   *
   * @param which "best", "latest" or a checkpoint id
   * @throws IllegalArgumentException when the checkpoint was trained on another dataset, or there is no such checkpoint
   */
  public static EvaluationResult evaluate(RunDirectory run, PreparedDataset ds, SplitName split, EvalConfig cfg, String which) {
    Checkpoint c = checkpoint(run, which);
    if (!c.provenance().datasetFingerprint().equals(ds.fingerprint())) {
      throw new IllegalArgumentException("checkpoint " + c.id() + " was trained on dataset " + c.provenance().datasetFingerprint()
          + " but " + ds.dir() + " is " + ds.fingerprint());
    }
    RecommenderModel model = RecommenderModel.wrap(c.spec(), c.graph(), null);
    Scores scores = ModelEvaluator.evaluate(model, ds, split, cfg, 256);
    EvaluationResult.Baseline baseline;
    if (model instanceof TwoTowerModel) {
      baseline = new EvaluationResult.Baseline("popularity", null, ModelEvaluator.popularity(ds, split, cfg));
    } else {
      Checkpoint b = checkpoint(run.baseline(), which.equals("latest") ? "latest" : "best");
      baseline = new EvaluationResult.Baseline("logistic_regression", b.id(),
          ModelEvaluator.evaluate(RecommenderModel.wrap(b.spec(), b.graph(), null), ds, split, cfg, 256));
    }
    String kind = c.spec().isTwoTower() ? "two_tower" : "ranking/" + c.spec().config().architecture().key();
    return new EvaluationResult(kind, split.key(), c.id(), ds.fingerprint(), scores, baseline,
        comparison(scores, baseline.scores(), model instanceof TwoTowerModel ? headline(cfg) : List.of(Metric.AUC, Metric.LOGLOSS)));
  }

  /** Retrieval's headline metrics: Recall@K at every cut-off and NDCG at the first. */
  static List<Metric> headline(EvalConfig cfg) {
    List<Metric> out = new ArrayList<>();
    for (int k : cfg.k()) {
      out.add(Metric.recall(k));
    }
    out.add(Metric.ndcg(cfg.k().get(0)));
    return out;
  }

  /** Per headline metric that both have: does the model beat the baseline (each metric in its own direction)? */
  static Map<String, Boolean> comparison(Scores model, Scores baseline, List<Metric> metrics) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (Metric m : metrics) {
      if (model.has(m) && baseline.has(m)) {
        double a = model.value(m);
        double b = baseline.value(m);
        out.put(m.name(), m.maximised() ? a > b : a < b);
      }
    }
    return out;
  }
}
