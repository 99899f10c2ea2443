package dev.tandem.trainer.eval;

import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.metrics.Scores;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Offline retrieval metrics over the full catalogue, per ../shared/docs/EVALUATION.md: evaluation users are those with
 * at least one positive in the split; items the user interacted with earlier (train, and validation when evaluating
 * test) are excluded; items are ranked by score with ties to the lower item id; Recall@K, NDCG@K (binary relevance,
 * ideal DCG over min(K, |P|) positions) and HitRate@K are macro-averaged over users, overall and for warm users (any
 * train event) and cold users separately.
 */
public final class RetrievalMetrics {
  private RetrievalMetrics() {}

  /** Scores of every item for a batch of users: {@code scores[u][item]}. */
  @FunctionalInterface
  public interface Scorer {
    /** One row of scores, over every item of the catalogue, per user row asked for; the caller owns the arrays. */
    float[][] scores(int[] userRows);
  }

  /** Which users are evaluated, their positives and their excluded (already seen) items. */
  public record Task(int[] users, List<int[]> positives, List<BitSet> seen, BitSet warm, int items, BitSet history) {}

  /** Builds the evaluation task of a split. */
  public static Task task(PreparedDataset ds, SplitName split) {
    List<EventBatch> earlier = new ArrayList<>();
    earlier.add(ds.read(SplitName.TRAIN));
    if (split == SplitName.TEST) {
      earlier.add(ds.read(SplitName.VALIDATION));
    }
    EventBatch eval = split == SplitName.TRAIN ? earlier.get(0) : ds.read(split);
    int items = ds.items().size();
    Map<Integer, TreeSet<Integer>> pos = new TreeMap<>();
    for (int i = 0; i < eval.size(); i++) {
      if (eval.label()[i] > 0) {
        pos.computeIfAbsent(eval.user()[i], k -> new TreeSet<>()).add(eval.item()[i]);
      }
    }
    Map<Integer, BitSet> seen = new HashMap<>();
    BitSet warm = new BitSet();
    EventBatch train = earlier.get(0);
    for (int i = 0; i < train.size(); i++) {
      warm.set(train.user()[i]);
    }
    // history as of the split's start: any earlier event (for test: in train or validation)
    BitSet history = new BitSet();
    if (split != SplitName.TRAIN) {
      for (EventBatch b : earlier) {
        for (int i = 0; i < b.size(); i++) {
          history.set(b.user()[i]);
        }
      }
    }
    if (split != SplitName.TRAIN) {
      for (EventBatch b : earlier) {
        for (int i = 0; i < b.size(); i++) {
          if (pos.containsKey(b.user()[i])) {
            seen.computeIfAbsent(b.user()[i], k -> new BitSet(items)).set(b.item()[i]);
          }
        }
      }
    }
    int[] users = pos.keySet().stream().mapToInt(Integer::intValue).toArray();
    List<int[]> positives = new ArrayList<>();
    List<BitSet> excluded = new ArrayList<>();
    for (int u : users) {
      positives.add(pos.get(u).stream().mapToInt(Integer::intValue).toArray());
      excluded.add(seen.getOrDefault(u, new BitSet()));
    }
    return new Task(users, positives, excluded, warm, items, history);
  }

  /**
   * Evaluates a scorer on a task: recall@K, ndcg@K, hitrate@K and users, overall and in the groups "warm" and "cold" (a
   * train event or none) and "with_history" and "without_history" (any event before the split's start, the history
   * the query is scored with, or none).
   */
  public static Scores evaluate(Task t, Scorer scorer, List<Integer> ks, int batchUsers) {
    int kmax = ks.stream().mapToInt(Integer::intValue).max().orElse(10);
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (String group : List.of("all", "warm", "cold", "with_history", "without_history")) {
      sums.put(group, new double[3 * ks.size() + 1]);
    }
    for (int from = 0; from < t.users().length; from += batchUsers) {
      int to = Math.min(t.users().length, from + batchUsers);
      int[] batch = Arrays.copyOfRange(t.users(), from, to);
      float[][] scores = scorer.scores(batch);
      for (int b = 0; b < batch.length; b++) {
        int u = from + b;
        int[] top = topK(scores[b], t.seen().get(u), kmax);
        int[] pos = t.positives().get(u);
        double[] m = perUser(top, pos, ks);
        for (String group : List.of("all", t.warm().get(batch[b]) ? "warm" : "cold",
            t.history().get(batch[b]) ? "with_history" : "without_history")) {
          double[] s = sums.get(group);
          for (int k = 0; k < m.length; k++) {
            s[k] += m[k];
          }
          s[s.length - 1] += 1;
        }
      }
    }
    Map<String, Scores> groups = new LinkedHashMap<>();
    groups.put("warm", Scores.of(metrics(sums.get("warm"), ks)));
    groups.put("cold", Scores.of(metrics(sums.get("cold"), ks)));
    groups.put("with_history", Scores.of(metrics(sums.get("with_history"), ks)));
    groups.put("without_history", Scores.of(metrics(sums.get("without_history"), ks)));
    return new Scores(metrics(sums.get("all"), ks), groups, List.of());
  }

  private static Map<String, Double> metrics(double[] s, List<Integer> ks) {
    Map<String, Double> out = new LinkedHashMap<>();
    double n = s[s.length - 1];
    for (int i = 0; i < ks.size(); i++) {
      out.put(Metric.recall(ks.get(i)).name(), n == 0 ? Double.NaN : s[3 * i] / n);
    }
    for (int i = 0; i < ks.size(); i++) {
      out.put(Metric.ndcg(ks.get(i)).name(), n == 0 ? Double.NaN : s[3 * i + 1] / n);
    }
    for (int i = 0; i < ks.size(); i++) {
      out.put(Metric.hitRate(ks.get(i)).name(), n == 0 ? Double.NaN : s[3 * i + 2] / n);
    }
    out.put("users", n);
    return out;
  }

  /** recall, ndcg, hit for each K, in that order. */
  static double[] perUser(int[] top, int[] positives, List<Integer> ks) {
    BitSet pos = new BitSet();
    for (int p : positives) {
      pos.set(p);
    }
    double[] out = new double[3 * ks.size()];
    for (int i = 0; i < ks.size(); i++) {
      int k = Math.min(ks.get(i), top.length);
      int hits = 0;
      double dcg = 0;
      for (int r = 0; r < k; r++) {
        if (pos.get(top[r])) {
          hits++;
          dcg += 1.0 / (Math.log(r + 2) / Math.log(2));
        }
      }
      double idcg = 0;
      for (int r = 0; r < Math.min(ks.get(i), positives.length); r++) {
        idcg += 1.0 / (Math.log(r + 2) / Math.log(2));
      }
      out[3 * i] = (double) hits / positives.length;
      out[3 * i + 1] = idcg == 0 ? 0 : dcg / idcg;
      out[3 * i + 2] = hits > 0 ? 1 : 0;
    }
    return out;
  }

  /** Indices of the k best scores, best first, ties to the lower index, skipping {@code excluded}. */
  static int[] topK(float[] scores, BitSet excluded, int k) {
    int n = scores.length;
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < n; i++) {
      if (excluded.get(i)) {
        continue;
      }
      if (size < k) {
        heap[size] = i;
        siftUp(heap, size++, scores);
      } else if (better(i, heap[0], scores)) {
        heap[0] = i;
        siftDown(heap, size, scores);
      }
    }
    int[] out = new int[size];
    for (int j = size - 1; j >= 0; j--) {
      out[j] = heap[0];
      heap[0] = heap[--size];
      siftDown(heap, size, scores);
    }
    return out;
  }

  /** a ranks above b: higher score, or equal score and lower index. */
  private static boolean better(int a, int b, float[] s) {
    return s[a] > s[b] || (s[a] == s[b] && a < b);
  }

  // a min-heap on rank: the root is the worst of the kept items
  private static void siftUp(int[] h, int i, float[] s) {
    while (i > 0) {
      int p = (i - 1) / 2;
      if (better(h[p], h[i], s)) {
        int t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
      } else {
        return;
      }
    }
  }

  private static void siftDown(int[] h, int size, float[] s) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int worst = i;
      if (l < size && better(h[worst], h[l], s)) {
        worst = l;
      }
      if (r < size && better(h[worst], h[r], s)) {
        worst = r;
      }
      if (worst == i) {
        return;
      }
      int t = h[i];
      h[i] = h[worst];
      h[worst] = t;
      i = worst;
    }
  }

  /** The popularity baseline: every user gets each item's number of train positives as its score. */
  public static Scorer popularity(PreparedDataset ds) {
    EventBatch train = ds.read(SplitName.TRAIN);
    float[] counts = new float[ds.items().size()];
    for (int i = 0; i < train.size(); i++) {
      if (train.label()[i] > 0) {
        counts[train.item()[i]] += 1;
      }
    }
    return users -> {
      float[][] out = new float[users.length][];
      for (int i = 0; i < users.length; i++) {
        out[i] = counts;
      }
      return out;
    };
  }
}
