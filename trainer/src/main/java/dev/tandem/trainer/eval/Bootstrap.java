package dev.tandem.trainer.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap intervals of a ranking metric, resampling clusters (a user's events together, or single events)
 * with replacement: of one model's metric, and of the difference of two models' metrics on the same resamples
 * (paired), which is what decides whether a challenger really beats the champion rather than drew easier users.
 */
public final class Bootstrap {
  private Bootstrap() {}

  /** An estimate on the full sample and its interval. */
  public record Interval(double estimate, double lo, double hi, double confidence, int resamples) {}

  /** The metric: auc or logloss. */
  static double metric(String metric, float[] p, float[] y) {
    return metric.equals("auc") ? RankingMetrics.auc(p, y) : RankingMetrics.logloss(p, y);
  }

  /** The interval of {@code metric(p)}. */
  public static Interval single(String metric, float[] p, float[] label, int[] cluster, int resamples, double confidence, long seed) {
    return paired(metric, null, p, label, cluster, resamples, confidence, seed);
  }

  /**
   * The interval of {@code metric(b) - metric(a)} (or of {@code metric(b)} when {@code a} is null), both computed on
   * the same resamples. A resample is a count per event (how often its cluster was drawn), so each is scored in one
   * pass over the events in prediction order, with no sorting. Resamples where the metric is undefined (one class
   * only) are drawn again.
   *
   * @param cluster the cluster of each event (0..k-1): resampled as a whole
   */
  public static Interval paired(String metric, float[] a, float[] b, float[] label, int[] cluster, int resamples, double confidence,
      long seed) {
    int n = label.length;
    int k = Arrays.stream(cluster).max().orElse(-1) + 1;
    int[] ordA = a == null ? null : order(a);
    int[] ordB = order(b);
    int[] ones = new int[n];
    Arrays.fill(ones, 1);
    double full = weighted(metric, b, label, ordB, ones) - (a == null ? 0 : weighted(metric, a, label, ordA, ones));
    SplittableRandom r = new SplittableRandom(seed);
    double[] stats = new double[resamples];
    int[] drawn = new int[k];
    int[] mult = new int[n];
    for (int s = 0; s < resamples; s++) {
      double v = Double.NaN;
      for (int attempt = 0; attempt < 20 && Double.isNaN(v); attempt++) {
        Arrays.fill(drawn, 0);
        for (int c = 0; c < k; c++) {
          drawn[r.nextInt(k)]++;
        }
        for (int i = 0; i < n; i++) {
          mult[i] = drawn[cluster[i]];
        }
        v = weighted(metric, b, label, ordB, mult) - (a == null ? 0 : weighted(metric, a, label, ordA, mult));
      }
      stats[s] = v;
    }
    Arrays.sort(stats);
    double tail = (1 - confidence) / 2;
    return new Interval(full, quantile(stats, tail), quantile(stats, 1 - tail), confidence, resamples);
  }

  /** Event indices in increasing order of prediction. */
  static int[] order(float[] p) {
    long[] keyed = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      // a float's bits order like the float for non-negative values (probabilities are)
      keyed[i] = ((long) Float.floatToIntBits(Math.max(0f, p[i])) << 32) | i;
    }
    Arrays.sort(keyed);
    int[] out = new int[p.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) keyed[i];
    }
    return out;
  }

  /**
   * The metric of the sample where event i appears {@code mult[i]} times: AUC as the Mann-Whitney statistic with ties
   * counting one half (as {@link RankingMetrics#auc}), or the mean log loss (as {@link RankingMetrics#logloss}).
   */
  static double weighted(String metric, float[] p, float[] y, int[] order, int[] mult) {
    if (metric.equals("logloss")) {
      double s = 0;
      double w = 0;
      for (int i = 0; i < p.length; i++) {
        if (mult[i] > 0) {
          double q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
          s -= mult[i] * (y[i] > 0.5 ? Math.log(q) : Math.log(1 - q));
          w += mult[i];
        }
      }
      return w == 0 ? Double.NaN : s / w;
    }
    double negBelow = 0;
    double pos = 0;
    double neg = 0;
    double sum = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      double tp = 0;
      double tn = 0;
      while (j < order.length && p[order[j]] == p[order[i]]) {
        int e = order[j];
        if (y[e] > 0.5) {
          tp += mult[e];
        } else {
          tn += mult[e];
        }
        j++;
      }
      sum += tp * (negBelow + tn / 2);
      negBelow += tn;
      pos += tp;
      neg += tn;
      i = j;
    }
    return pos == 0 || neg == 0 ? Double.NaN : sum / (pos * neg);
  }

  static int[][] members(int[] cluster, int k) {
    int[] count = new int[k];
    for (int c : cluster) {
      count[c]++;
    }
    int[][] out = new int[k][];
    for (int c = 0; c < k; c++) {
      out[c] = new int[count[c]];
    }
    int[] fill = new int[k];
    for (int i = 0; i < cluster.length; i++) {
      out[cluster[i]][fill[cluster[i]]++] = i;
    }
    return out;
  }

  /** Linear interpolation between order statistics (numpy's default). */
  public static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
