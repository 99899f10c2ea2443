package dev.tandem.trainer.eval;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.RunDirectory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tandem evaluate}: a run's best checkpoint (or a chosen one) on a split, with its baseline beside it, written
 * to {@code eval.json}. Retrieval reports Recall/NDCG/HitRate@K overall and for warm and cold users against
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

  public static Map<String, Object> evaluate(RunDirectory run, PreparedDataset ds, SplitName split, EvalConfig cfg, String which) {
    Checkpoint c = checkpoint(run, which);
    if (!c.provenance().datasetFingerprint().equals(ds.fingerprint())) {
      throw new IllegalArgumentException("checkpoint " + c.id() + " was trained on dataset " + c.provenance().datasetFingerprint()
          + " but " + ds.dir() + " is " + ds.fingerprint());
    }
    RecommenderModel model = RecommenderModel.wrap(c.spec(), c.graph(), null);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", c.spec().isTwoTower() ? "two_tower" : "ranking/" + c.spec().config().architecture().key());
    out.put("split", split.key());
    out.put("checkpoint", c.id());
    out.put("dataset", ds.fingerprint());
    out.putAll(ModelEvaluator.evaluate(model, ds, split, cfg, 256));
    Map<String, Object> baseline;
    if (model instanceof TwoTowerModel) {
      baseline = ModelEvaluator.popularity(ds, split, cfg);
    } else {
      Checkpoint b = checkpoint(run.baseline(), which.equals("latest") ? "latest" : "best");
      baseline = new LinkedHashMap<>();
      baseline.put("name", "logistic_regression");
      baseline.put("checkpoint", b.id());
      baseline.putAll(ModelEvaluator.evaluate(RecommenderModel.wrap(b.spec(), b.graph(), null), ds, split, cfg, 256));
    }
    out.put("baseline", baseline);
    out.put("beats_baseline", comparison(out, baseline, model instanceof TwoTowerModel ? headline(cfg) : List.of("auc", "logloss")));
    return out;
  }

  static List<String> headline(EvalConfig cfg) {
    List<String> out = new java.util.ArrayList<>();
    for (int k : cfg.k()) {
      out.add("recall@" + k);
    }
    out.add("ndcg@" + cfg.k().get(0));
    return out;
  }

  /** Per headline metric: does the model beat the baseline (lower is better for losses)? */
  static Map<String, Boolean> comparison(Map<String, Object> model, Map<String, Object> baseline, List<String> metrics) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (String m : metrics) {
      Object a = model.get(m);
      Object b = baseline.get(m);
      if (a instanceof Number x && b instanceof Number y) {
        boolean lowerBetter = m.contains("loss");
        out.put(m, lowerBetter ? x.doubleValue() < y.doubleValue() : x.doubleValue() > y.doubleValue());
      }
    }
    return out;
  }
}
