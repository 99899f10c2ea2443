package dev.tandem.datasets.features;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.FeatureKind;
import dev.tandem.datasets.FeatureSpec;
import dev.tandem.datasets.history.HistoryFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits a {@link FeatureSpec} on train data. Every statistic is weighted by train events: an entity attribute counts
 * once per train event of that entity, because that is how often the model sees it.
 */
public final class TransformFitter {
  private static final int MAX_QUANTILE_SAMPLE = 2_000_000;

  private TransformFitter() {}

  /**
   * @param values  raw values of the feature's source, one per row
   * @param weights train events per row ({@code null}: every row counts once; 0: the row is not in train)
   */
  public static FittedFeature fit(FeatureSpec spec, RawColumn values, int[] weights) {
    if (spec.isHistory()) {
      return fitHistory(spec, values, weights);
    }
    if (spec.kind() == FeatureKind.CATEGORICAL) {
      if (spec.hashBuckets() != null) {
        return new FittedFeature.Categorical(spec.name(), spec.entity(), spec.source(), List.of(), 0, spec.hashBuckets());
      }
      Map<String, Long> counts = countValues(values, weights);
      return new FittedFeature.Categorical(spec.name(), spec.entity(), spec.source(), vocabulary(counts, spec.vocab()),
          spec.vocab().oovBuckets(), null);
    }
    if (spec.kind() == FeatureKind.MULTI_HOT) {
      String sep = spec.separator();
      if (spec.hashBuckets() != null) {
        return new FittedFeature.MultiHot(spec.name(), spec.entity(), spec.source(), sep, List.of(), 0, spec.hashBuckets());
      }
      FittedFeature.MultiHot tokenizer = new FittedFeature.MultiHot(spec.name(), spec.entity(), spec.source(), sep, List.of(), 1, null);
      Map<String, Long> valueCounts = countValues(values, weights);
      Map<String, Long> tokenCounts = new HashMap<>();
      for (Map.Entry<String, Long> e : valueCounts.entrySet()) {
        for (String t : new java.util.LinkedHashSet<>(tokenizer.tokens(e.getKey()))) {
          tokenCounts.merge(t, e.getValue(), Long::sum);
        }
      }
      return new FittedFeature.MultiHot(spec.name(), spec.entity(), spec.source(), sep, vocabulary(tokenCounts, spec.vocab()),
          spec.vocab().oovBuckets(), null);
    }
    boolean log = spec.log() != null && spec.log();
    if (spec.bucketize() != null && spec.bucketize().boundaries() != null) {
      double[] b = spec.bucketize().boundaries().stream().mapToDouble(Double::doubleValue).toArray();
      return new FittedFeature.Bucketized(spec.name(), spec.entity(), spec.source(), b, log);
    }
    Weighted w = collect(values, weights, log);
    if (spec.bucketize() != null) {
      return new FittedFeature.Bucketized(spec.name(), spec.entity(), spec.source(), quantileBoundaries(w, spec.bucketize().quantiles()), log);
    }
    double[] ms = meanStd(w);
    return new FittedFeature.Standardized(spec.name(), spec.entity(), spec.source(), ms[0], ms[1], log);
  }

  /**
   * A history feature: an item list indexes into item_id's vocabulary (resolved when the transform is assembled, see
   * {@link #itemSequence}); a number is standardised or bucketized like any numeric feature, reading its per-event
   * derived column {@link HistoryFeature#column}.
   */
  private static FittedFeature fitHistory(FeatureSpec spec, RawColumn values, int[] weights) {
    String source = HistoryFeature.column(spec.name());
    if (spec.kind() == FeatureKind.HISTORY_ITEMS) {
      throw new IllegalArgumentException("history_items is fitted with itemSequence(): it takes item_id's vocabulary");
    }
    boolean log = spec.log() != null && spec.log();
    if (spec.bucketize() != null && spec.bucketize().boundaries() != null) {
      double[] b = spec.bucketize().boundaries().stream().mapToDouble(Double::doubleValue).toArray();
      return new FittedFeature.Bucketized(spec.name(), Entity.CONTEXT, source, b, log);
    }
    Weighted w = collect(values, weights, log);
    if (spec.bucketize() != null) {
      return new FittedFeature.Bucketized(spec.name(), Entity.CONTEXT, source, quantileBoundaries(w, spec.bucketize().quantiles()), log);
    }
    double[] ms = meanStd(w);
    return new FittedFeature.Standardized(spec.name(), Entity.CONTEXT, source, ms[0], ms[1], log);
  }

  /**
   * A history_items feature: the item ids of earlier events, indexed by the (already fitted) item feature.
   *
   * @throws dev.tandem.config.ConfigException if {@code items} is not an indexed feature of items
   */
  public static FittedFeature itemSequence(FeatureSpec spec, FittedFeature items) {
    if (!(items instanceof FittedFeature.Indexed) || items.entity() != Entity.ITEM) {
      throw new dev.tandem.config.ConfigException("dataset.features", "history_items '" + spec.name()
          + "' lists item ids by the vocabulary of the item_id feature: declare {name: item_id, entity: item, kind: categorical}");
    }
    return new FittedFeature.ItemSequence(spec.name(), Entity.CONTEXT, HistoryFeature.column(spec.name()), items.name(), spec.n(),
        items.cardinality());
  }

  /** {mean, std} of weighted values (std 1 when there is no spread). */
  private static double[] meanStd(Weighted w) {
    double sum = 0;
    double total = 0;
    for (int i = 0; i < w.n; i++) {
      sum += w.values[i] * w.weights[i];
      total += w.weights[i];
    }
    double mean = total > 0 ? sum / total : 0;
    double ss = 0;
    for (int i = 0; i < w.n; i++) {
      double d = w.values[i] - mean;
      ss += d * d * w.weights[i];
    }
    double std = total > 1 ? Math.sqrt(ss / total) : 1;
    return new double[] {mean, std > 0 ? std : 1};
  }

  static Map<String, Long> countValues(RawColumn values, int[] weights) {
    Map<String, Long> counts = new HashMap<>();
    if (values instanceof RawColumn.Dict d) {
      long[] byCode = new long[d.dictionary().length];
      for (int i = 0; i < d.size(); i++) {
        int c = d.codes()[i];
        if (c >= 0) {
          byCode[c] += weights == null ? 1 : weights[i];
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
      int w = weights == null ? 1 : weights[i];
      if (w > 0) {
        String v = values.text(i);
        if (v != null && !v.isEmpty()) {
          counts.merge(v, (long) w, Long::sum);
        }
      }
    }
    return counts;
  }

  /** Values with at least min_count train events, most frequent first (ties by value), capped at max_size. */
  static List<String> vocabulary(Map<String, Long> counts, FeatureSpec.VocabSpec spec) {
    List<Map.Entry<String, Long>> kept = new ArrayList<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getValue() >= spec.minCount()) {
        kept.add(e);
      }
    }
    kept.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
    int limit = spec.maxSize() == null ? kept.size() : Math.min(kept.size(), spec.maxSize());
    List<String> out = new ArrayList<>(limit);
    for (int i = 0; i < limit; i++) {
      out.add(kept.get(i).getKey());
    }
    return out;
  }

  /** Non-missing values with their weights (log1p applied if asked). */
  static final class Weighted {
    double[] values;
    double[] weights;
    int n;
  }

  static Weighted collect(RawColumn values, int[] weights, boolean log) {
    int size = values.size();
    int stride = weights == null && size > MAX_QUANTILE_SAMPLE ? (size + MAX_QUANTILE_SAMPLE - 1) / MAX_QUANTILE_SAMPLE : 1;
    Weighted w = new Weighted();
    w.values = new double[size / stride + 1];
    w.weights = new double[size / stride + 1];
    for (int i = 0; i < size; i += stride) {
      int wt = weights == null ? stride : weights[i];
      if (wt <= 0) {
        continue;
      }
      double v = values.number(i);
      if (Double.isNaN(v)) {
        continue;
      }
      w.values[w.n] = log ? Math.log1p(Math.max(v, 0)) : v;
      w.weights[w.n] = wt;
      w.n++;
    }
    return w;
  }

  /** Boundaries at the k/q weighted quantiles, deduplicated (heavily repeated values give fewer buckets). */
  static double[] quantileBoundaries(Weighted w, int q) {
    if (w.n == 0) {
      return new double[] {0.0};
    }
    Integer[] order = new Integer[w.n];
    for (int i = 0; i < w.n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> w.values[i]));
    double total = 0;
    for (int i = 0; i < w.n; i++) {
      total += w.weights[i];
    }
    List<Double> out = new ArrayList<>();
    double cum = 0;
    int k = 1;
    for (int j = 0; j < w.n && k < q; j++) {
      cum += w.weights[order[j]];
      while (k < q && cum >= total * k / q) {
        double v = j + 1 < w.n ? w.values[order[j + 1]] : w.values[order[j]];
        if (out.isEmpty() || v > out.get(out.size() - 1)) {
          out.add(v);
        }
        k++;
      }
    }
    if (out.isEmpty()) {
      out.add(w.values[order[0]]);
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
