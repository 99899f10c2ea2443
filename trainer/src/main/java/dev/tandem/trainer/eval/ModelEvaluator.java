package dev.tandem.trainer.eval;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluates a model on a split of a prepared dataset with the metrics of its family. */
public final class ModelEvaluator {
  private ModelEvaluator() {}

  /** Retrieval: Recall/NDCG/HitRate@K; ranking: AUC, log loss, calibration. */
  public static Scores evaluate(RecommenderModel model, PreparedDataset ds, SplitName split, EvalConfig cfg, int batchUsers) {
    if (model instanceof TwoTowerModel tt) {
      return RetrievalMetrics.evaluate(RetrievalMetrics.task(ds, split), scorer(tt, ds), cfg.k(), batchUsers);
    }
    RankingModel rm = (RankingModel) model;
    EventBatch events = ds.read(split);
    Examples ex = Examples.of(ds, events);
    float[] p = predictAll(rm, ex, 4096);
    return RankingMetrics.evaluate(p, events.label(), cfg.calibrationBins());
  }

  /** The two-tower's scores: dot products of user-tower and item-tower vectors (no logQ correction at inference). */
  public static RetrievalMetrics.Scorer scorer(TwoTowerModel tt, PreparedDataset ds) {
    ComputationGraph userTower = tt.tower(TwoTowerModel.Part.USER);
    ComputationGraph itemTower = tt.tower(TwoTowerModel.Part.ITEM);
    int items = ds.items().size();
    int[] all = new int[items];
    for (int i = 0; i < items; i++) {
      all[i] = i;
    }
    INDArray itemVectors = TwoTowerModel.vectors(itemTower, tt.spec().item(), ds.transform(), ds.items().encoded(), Entity.ITEM, all, 4096);
    return users -> {
      INDArray u = TwoTowerModel.vectors(userTower, tt.spec().query(), ds.transform(), ds.users().encoded(), Entity.USER, users, 4096);
      INDArray s = u.mmul(itemVectors.transpose());
      return s.toFloatMatrix();
    };
  }

  /** The ranking model's prediction (its main target's probability) for every example, in batches of {@code batch}. */
  public static float[] predictAll(RankingModel m, Examples ex, int batch) {
    float[] out = new float[ex.size()];
    for (int from = 0; from < ex.size(); from += batch) {
      int to = Math.min(ex.size(), from + batch);
      int[] idx = new int[to - from];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = from + i;
      }
      System.arraycopy(m.predict(ex, idx), 0, out, from, idx.length);
    }
    return out;
  }

  /** The popularity baseline's retrieval metrics. */
  public static Scores popularity(PreparedDataset ds, SplitName split, EvalConfig cfg) {
    return RetrievalMetrics.evaluate(RetrievalMetrics.task(ds, split), RetrievalMetrics.popularity(ds), cfg.k(), 1024);
  }
}
