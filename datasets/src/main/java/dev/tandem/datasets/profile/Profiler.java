package dev.tandem.datasets.profile;

import dev.tandem.datasets.FeatureKind;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.features.RawColumn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Computes {@link FeatureProfile}s from raw values and per-row event weights. */
public final class Profiler {
  private static final int TOP = 20;
  private static final int MAX_SAMPLE = 1_000_000;
  private static final double[] QUANTILES = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

  private Profiler() {}

  /**
   * @param values raw values per row
   * @param weights events per row ({@code null}: one per row)
   * @param edges histogram edges for numeric features (from the train profile), or null to derive them (train)
   */
  public static FeatureProfile profile(FeatureKind kind, FittedFeature fitted, RawColumn values, int[] weights, List<Double> edges) {
    return switch (kind) {
      case CATEGORICAL -> categorical(fitted, values, weights);
      case MULTI_HOT -> multiHot((FittedFeature.MultiHot) fitted, values, weights);
      default -> numeric(values, weights, edges); // numeric, and the history kinds (their values are numbers)
    };
  }

  private static Map<String, Long> counts(RawColumn values, int[] weights, long[] missing) {
    Map<String, Long> counts = new HashMap<>();
    if (values instanceof RawColumn.Dict d) {
      long[] byCode = new long[d.dictionary().length];
      for (int i = 0; i < d.size(); i++) {
        int c = d.codes()[i];
        long w = weights == null ? 1 : weights[i];
        if (c < 0) {
          missing[0] += w;
        } else {
          byCode[c] += w;
        }
      }
      for (int c = 0; c < byCode.length; c++) {
        if (byCode[c] > 0) {
          counts.put(d.dictionary()[c], byCode[c]);
        }
      }
      return counts;
    }
    for (int i = 0; i < values.size(); i++) {
      long w = weights == null ? 1 : weights[i];
      if (w == 0) {
        continue;
      }
      String v = values.text(i);
      if (v == null || v.isEmpty()) {
        missing[0] += w;
      } else {
        counts.merge(v, w, Long::sum);
      }
    }
    return counts;
  }

  private static List<FeatureProfile.ValueCount> top(Map<String, Long> counts) {
    List<Map.Entry<String, Long>> e = new ArrayList<>(counts.entrySet());
    e.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
    List<FeatureProfile.ValueCount> out = new ArrayList<>();
    for (int i = 0; i < Math.min(TOP, e.size()); i++) {
      out.add(new FeatureProfile.ValueCount(e.get(i).getKey(), e.get(i).getValue()));
    }
    return out;
  }

  static FeatureProfile.Categorical categorical(FittedFeature fitted, RawColumn values, int[] weights) {
    long[] missing = {0};
    Map<String, Long> counts = counts(values, weights, missing);
    long total = 0;
    long oov = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      total += e.getValue();
      if (fitted instanceof FittedFeature.Indexed ix && !ix.known(e.getKey())) {
        oov += e.getValue();
      }
    }
    List<FeatureProfile.ValueCount> top = top(counts);
    long inTop = top.stream().mapToLong(FeatureProfile.ValueCount::count).sum();
    return new FeatureProfile.Categorical(total, missing[0], counts.size(), oov, top, total - inTop);
  }

  static FeatureProfile.MultiHot multiHot(FittedFeature.MultiHot fitted, RawColumn values, int[] weights) {
    long[] missing = {0};
    Map<String, Long> counts = counts(values, weights, missing);
    Map<String, Long> tokens = new HashMap<>();
    long total = 0;
    long length = 0;
    long oov = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      total += e.getValue();
      List<String> toks = fitted.tokens(e.getKey());
      length += (long) toks.size() * e.getValue();
      for (String t : toks) {
        tokens.merge(t, e.getValue(), Long::sum);
        if (!fitted.known(t)) {
          oov += e.getValue();
        }
      }
    }
    List<FeatureProfile.ValueCount> top = top(tokens);
    long allTokens = tokens.values().stream().mapToLong(Long::longValue).sum();
    long inTop = top.stream().mapToLong(FeatureProfile.ValueCount::count).sum();
    return new FeatureProfile.MultiHot(total, missing[0], total == 0 ? 0 : (double) length / total, tokens.size(), oov, top,
        allTokens - inTop);
  }

  static FeatureProfile.Numeric numeric(RawColumn values, int[] weights, List<Double> edges) {
    int n = values.size();
    int stride = weights == null && n > MAX_SAMPLE ? (n + MAX_SAMPLE - 1) / MAX_SAMPLE : 1;
    double[] v = new double[n / stride + 1];
    double[] w = new double[n / stride + 1];
    int m = 0;
    long count = 0;
    long missing = 0;
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      long wt = weights == null ? 1 : weights[i];
      if (wt == 0) {
        continue;
      }
      double x = values.number(i);
      if (Double.isNaN(x)) {
        missing += wt;
        continue;
      }
      count += wt;
      sum += x * wt;
      min = Math.min(min, x);
      max = Math.max(max, x);
      if (i % stride == 0) {
        v[m] = x;
        w[m] = wt;
        m++;
      }
    }
    double mean = count == 0 ? Double.NaN : sum / count;
    double ss = 0;
    for (int i = 0; i < n; i++) {
      long wt = weights == null ? 1 : weights[i];
      double x = values.number(i);
      if (wt != 0 && !Double.isNaN(x)) {
        ss += (x - mean) * (x - mean) * wt;
      }
    }
    double std = count == 0 ? Double.NaN : Math.sqrt(ss / count);
    Map<String, Double> q = new LinkedHashMap<>();
    double[] sortedV = Arrays.copyOf(v, m);
    double[] sortedW = Arrays.copyOf(w, m);
    sortPairs(sortedV, sortedW);
    double totalW = 0;
    for (int i = 0; i < m; i++) {
      totalW += sortedW[i];
    }
    for (double level : QUANTILES) {
      q.put(String.format("p%02d", Math.round(level * 100)), quantile(sortedV, sortedW, totalW, level));
    }
    List<Double> e = edges;
    if (e == null) {
      e = new ArrayList<>();
      for (int k = 1; k < 10; k++) {
        double b = quantile(sortedV, sortedW, totalW, k / 10.0);
        if (!Double.isNaN(b) && (e.isEmpty() || b > e.get(e.size() - 1))) {
          e.add(b);
        }
      }
    }
    long[] hist = new long[e.size() + 1];
    double[] edgeArr = e.stream().mapToDouble(Double::doubleValue).toArray();
    for (int i = 0; i < n; i++) {
      long wt = weights == null ? 1 : weights[i];
      double x = values.number(i);
      if (wt == 0 || Double.isNaN(x)) {
        continue;
      }
      int pos = Arrays.binarySearch(edgeArr, x);
      int bin = pos >= 0 ? pos + 1 : -pos - 1;
      hist[bin] += wt;
    }
    List<Long> histogram = new ArrayList<>();
    for (long h : hist) {
      histogram.add(h);
    }
    return new FeatureProfile.Numeric(count, missing, mean, std, count == 0 ? Double.NaN : min, count == 0 ? Double.NaN : max, q,
        List.copyOf(e), histogram);
  }

  private static double quantile(double[] v, double[] w, double total, double level) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double target = level * total;
    double cum = 0;
    for (int i = 0; i < v.length; i++) {
      cum += w[i];
      if (cum >= target) {
        return v[i];
      }
    }
    return v[v.length - 1];
  }

  private static void sortPairs(double[] v, double[] w) {
    boolean unit = true;
    for (double x : w) {
      if (x != w[0]) {
        unit = false;
        break;
      }
    }
    if (unit) {
      Arrays.sort(v);
      return;
    }
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
    double[] v2 = new double[v.length];
    double[] w2 = new double[w.length];
    for (int i = 0; i < idx.length; i++) {
      v2[i] = v[idx[i]];
      w2[i] = w[idx[i]];
    }
    System.arraycopy(v2, 0, v, 0, v.length);
    System.arraycopy(w2, 0, w, 0, w.length);
  }
}
