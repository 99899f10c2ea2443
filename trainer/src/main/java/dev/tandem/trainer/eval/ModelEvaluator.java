package dev.tandem.trainer.eval;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.HistoryFeatures;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluates a model on a split of a prepared dataset with the metrics of its family. */
public final class ModelEvaluator {
  private ModelEvaluator() {}

  /** Retrieval: Recall/NDCG/HitRate@K; ranking: AUC, log loss, calibration. */
  public static Scores evaluate(RecommenderModel model, PreparedDataset ds, SplitName split, EvalConfig cfg, int batchUsers) {
    if (model instanceof TwoTowerModel tt) {
      return RetrievalMetrics.evaluate(RetrievalMetrics.task(ds, split), scorer(tt, ds, split), cfg.k(), batchUsers);
    }
    RankingModel rm = (RankingModel) model;
    EventBatch events = ds.read(split);
    Examples ex = Examples.of(ds, events);
    float[] p = predictAll(rm, ex, 4096);
    Scores all = RankingMetrics.evaluate(p, events.label(), cfg.calibrationBins());
    boolean[] withHistory = usersWithHistory(ds, split, events);
    Map<String, Scores> groups = new LinkedHashMap<>(all.groups());
    groups.put("with_history", subset(p, events.label(), withHistory, true));
    groups.put("without_history", subset(p, events.label(), withHistory, false));
    return new Scores(all.values(), groups, all.calibration());
  }

  /** Per event of a split: whether its user had any event with an earlier timestamp (in this split or before it). */
  static boolean[] usersWithHistory(PreparedDataset ds, SplitName split, EventBatch events) {
    java.util.BitSet before = new java.util.BitSet();
    for (SplitName s : SplitName.values()) {
      if (s == split) {
        break;
      }
      EventBatch b = ds.read(s);
      for (int u : b.user()) {
        before.set(u);
      }
    }
    boolean[] out = new boolean[events.size()];
    java.util.BitSet pending = new java.util.BitSet();
    for (int i = 0; i < out.length; i++) {
      if (i > 0 && events.timestamp()[i] != events.timestamp()[i - 1]) {
        before.or(pending); // events at the same time do not count as each other's history
        pending.clear();
      }
      out[i] = before.get(events.user()[i]);
      pending.set(events.user()[i]);
    }
    return out;
  }

  /** AUC and log loss of the events whose mask is {@code keep}, and how many they are. */
  private static Scores subset(float[] p, float[] label, boolean[] mask, boolean keep) {
    int n = 0;
    for (boolean m : mask) {
      n += m == keep ? 1 : 0;
    }
    float[] ps = new float[n];
    float[] ls = new float[n];
    int k = 0;
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] == keep) {
        ps[k] = p[i];
        ls[k++] = label[i];
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("events", (double) n);
    if (n > 0) {
      out.put("auc", RankingMetrics.auc(ps, ls));
      out.put("logloss", RankingMetrics.logloss(ps, ls));
    }
    return Scores.of(out);
  }

  /**
   * The two-tower's scores: dot products of user-tower and item-tower vectors (no logQ correction at inference). A
   * user's query is scored as of the split's start: its history features (if the model has any) see every event before
   * the split (protocol v2 of EVALUATION.md).
   */
  public static RetrievalMetrics.Scorer scorer(TwoTowerModel tt, PreparedDataset ds, SplitName split) {
    ComputationGraph userTower = tt.tower(TwoTowerModel.Part.USER);
    ComputationGraph itemTower = tt.tower(TwoTowerModel.Part.ITEM);
    int items = ds.items().size();
    int[] all = new int[items];
    for (int i = 0; i < items; i++) {
      all[i] = i;
    }
    INDArray itemVectors = TwoTowerModel.vectors(itemTower, tt.spec().item(), ds.transform(), ds.items().encoded(), Entity.ITEM, all, 4096);
    HistoryFeatures history = HistoryFeatures.of(ds.transform(), ds.items());
    long asOf = Long.MIN_VALUE;
    if (history != null) {
      for (SplitName s : SplitName.values()) {
        if (s == split) {
          break;
        }
        history.addAll(ds.read(s));
      }
      EventBatch first = ds.read(split);
      asOf = first.size() == 0 ? Long.MAX_VALUE : first.timestamp()[0];
      history.advance(asOf);
    }
    long t = asOf;
    return users -> {
      EncodedTable context = null;
      if (history != null) {
        int[] noItem = new int[users.length];
        java.util.Arrays.fill(noItem, -1);
        context = history.encode(users, noItem, t);
      }
      INDArray u = TwoTowerModel.vectors(userTower, tt.spec().query(), ds.transform(), ds.users().encoded(), Entity.USER, users, 4096,
          context);
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
