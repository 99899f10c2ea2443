package dev.tandem.datasets.drift;

import dev.tandem.datasets.profile.FeatureProfile;
import dev.tandem.datasets.profile.SplitProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Compares a current profile with a reference profile, feature by feature. */
public final class DriftAnalysis {
  static final String OTHER = "(other)";
  static final String MISSING = "(missing)";

  private DriftAnalysis() {}

  /**
   * The drift of {@code current} against {@code reference}, for every feature of the reference that the current
   * profile also has (a feature missing from either side is listed as a reason, not silently skipped). Throws
   * {@link IllegalArgumentException} when either side has no events.
   */
  public static DriftReport compare(String referenceName, SplitProfile reference, String currentName, SplitProfile current,
      DriftThresholds t) {
    if (reference.events() == 0 || current.events() == 0) {
      throw new IllegalArgumentException("cannot compare drift: " + (reference.events() == 0 ? referenceName : currentName) + " has no events");
    }
    List<FeatureDrift> features = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (Map.Entry<String, FeatureProfile> e : reference.features().entrySet()) {
      FeatureProfile cur = current.features().get(e.getKey());
      if (cur == null) {
        reasons.add("feature " + e.getKey() + " is missing from " + currentName);
        continue;
      }
      if (cur.getClass() != e.getValue().getClass()) {
        reasons.add("feature " + e.getKey() + " changed kind");
        continue;
      }
      if (e.getValue().count() == 0 || cur.count() == 0) {
        continue; // nothing to compare (e.g. a history feature before any history)
      }
      features.add(feature(e.getKey(), e.getValue(), cur, t));
    }
    for (String name : current.features().keySet()) {
      if (!reference.features().containsKey(name)) {
        reasons.add("feature " + name + " is new (not in " + referenceName + ")");
      }
    }
    long drifting = features.stream().filter(f -> f.status().compareTo(t.featureDriftAt()) >= 0).count();
    double share = features.isEmpty() ? 0 : (double) drifting / features.size();
    DriftStatus status = drifting > 0 ? DriftStatus.WARN : DriftStatus.OK;
    List<String> names = features.stream().filter(f -> f.status() != DriftStatus.OK).map(f -> f.name() + " (" + f.status().key() + ")").toList();
    if (!names.isEmpty()) {
      status = DriftStatus.WARN;
    }
    if (drifting > 0 && share >= t.driftShare()) {
      status = DriftStatus.ALERT;
      reasons.add(String.format(Locale.ROOT, "%d of %d features drift (%.0f%% >= drift_share %.0f%%): %s", drifting, features.size(),
          100 * share, 100 * t.driftShare(), names));
    } else if (!names.isEmpty()) {
      reasons.add(String.format(Locale.ROOT, "%d of %d features drift (below drift_share %.0f%%): %s", drifting, features.size(),
          100 * t.driftShare(), names));
    }
    double labelChange = Math.abs(current.labelRate() - reference.labelRate());
    DriftStatus label = DriftStatus.of(labelChange, t.labelRate());
    if (label != DriftStatus.OK) {
      reasons.add(String.format(Locale.ROOT, "label rate %.4f -> %.4f (change %.4f, %s)", reference.labelRate(), current.labelRate(),
          labelChange, label.key()));
      status = status.max(label);
    }
    return new DriftReport(DriftReport.FORMAT, referenceName, currentName, t, status, share,
        new DriftReport.Pair(reference.events(), current.events()),
        new DriftReport.LabelRate(reference.labelRate(), current.labelRate(), label), List.copyOf(features), null, List.copyOf(reasons));
  }

  /**
   * The drift of a model's scores: both sides binned on the reference scores' deciles, judged with the
   * {@code prediction} thresholds on PSI.
   */
  public static FeatureDrift scores(double[] reference, double[] current, DriftThresholds t) {
    if (reference.length == 0 || current.length == 0) {
      throw new IllegalArgumentException("cannot compare score distributions: no " + (reference.length == 0 ? "reference" : "current")
          + " scores");
    }
    double[] sorted = reference.clone();
    Arrays.sort(sorted);
    List<Double> edges = new ArrayList<>();
    for (int k = 1; k < 10; k++) {
      double q = sorted[(int) Math.min(sorted.length - 1, Math.floor(k / 10.0 * sorted.length))];
      if (edges.isEmpty() || q > edges.get(edges.size() - 1)) {
        edges.add(q);
      }
    }
    double[] r = histogram(reference, edges);
    double[] c = histogram(current, edges);
    double psi = DriftStats.psi(r, c);
    double js = DriftStats.jensenShannon(r, c);
    double ks = DriftStats.ksStatistic(r, c);
    DriftStatus s = DriftStatus.of(psi, t.prediction());
    List<String> reasons = s == DriftStatus.OK ? List.of()
        : List.of(String.format(Locale.ROOT, "psi %.3f >= %s", psi, s == DriftStatus.ALERT ? t.prediction().alert() : t.prediction().warn()));
    return new FeatureDrift("prediction", "score", s, psi, js, ks, DriftStats.ksPValue(ks, reference.length, current.length), null, null,
        0, 0, rangeLabels(edges), shares(r), shares(c), reasons, "bins: deciles of the reference scores");
  }

  private static double[] histogram(double[] values, List<Double> edges) {
    double[] e = edges.stream().mapToDouble(Double::doubleValue).toArray();
    double[] h = new double[e.length + 1];
    for (double v : values) {
      int pos = Arrays.binarySearch(e, v);
      h[pos >= 0 ? pos + 1 : -pos - 1]++;
    }
    return h;
  }

  static FeatureDrift feature(String name, FeatureProfile ref, FeatureProfile cur, DriftThresholds t) {
    Bins b;
    Double oovRef = null;
    Double oovCur = null;
    String kind;
    if (ref instanceof FeatureProfile.Numeric rn) {
      b = numeric(rn, (FeatureProfile.Numeric) cur);
      kind = "numeric";
    } else if (ref instanceof FeatureProfile.Categorical rc) {
      FeatureProfile.Categorical cc = (FeatureProfile.Categorical) cur;
      b = categorical(rc.top(), rc.other(), rc.missing(), cc.top(), cc.other(), cc.missing(), cc.count(), true);
      oovRef = share(rc.oov(), rc.count());
      oovCur = share(cc.oov(), cc.count());
      kind = "categorical";
    } else {
      FeatureProfile.MultiHot rm = (FeatureProfile.MultiHot) ref;
      FeatureProfile.MultiHot cm = (FeatureProfile.MultiHot) cur;
      long curTokens = cm.top().stream().mapToLong(FeatureProfile.ValueCount::count).sum() + cm.other();
      b = categorical(rm.top(), rm.other(), 0, cm.top(), cm.other(), 0, curTokens, false);
      oovRef = share(rm.oovTokens(), rm.top().stream().mapToLong(FeatureProfile.ValueCount::count).sum() + rm.other());
      oovCur = share(cm.oovTokens(), curTokens);
      kind = "multi_hot";
    }
    double psi = DriftStats.psi(b.reference, b.current);
    double js = DriftStats.jensenShannon(b.reference, b.current);
    Double ks = null;
    Double p = null;
    if (b.ordered) {
      ks = DriftStats.ksStatistic(b.reference, b.current);
      p = DriftStats.ksPValue(ks, ref.count(), cur.count());
    }
    List<String> reasons = new ArrayList<>();
    DriftStatus s = judge("psi", psi, t.psi(), reasons).max(judge("jensen-shannon", js, t.jensenShannon(), reasons));
    if (oovRef != null) {
      s = s.max(judge("oov rate rise", oovCur - oovRef, t.oovRate(), reasons));
    }
    return new FeatureDrift(name, kind, s, psi, js, ks, p, oovRef, oovCur, share(ref.missing(), ref.count() + ref.missing()),
        share(cur.missing(), cur.count() + cur.missing()), b.labels, shares(b.reference), shares(b.current), List.copyOf(reasons), b.note);
  }

  private static DriftStatus judge(String what, double value, DriftThresholds.Level level, List<String> reasons) {
    DriftStatus s = DriftStatus.of(value, level);
    if (s != DriftStatus.OK) {
      reasons.add(String.format(Locale.ROOT, "%s %.3f >= %s", what, value, s == DriftStatus.ALERT ? level.alert() : level.warn()));
    }
    return s;
  }

  private static double share(long part, long whole) {
    return whole <= 0 ? 0 : (double) part / whole;
  }

  private static List<Double> shares(double[] counts) {
    double total = Arrays.stream(counts).sum();
    List<Double> out = new ArrayList<>();
    for (double c : counts) {
      out.add(total == 0 ? 0 : c / total);
    }
    return out;
  }

  /** Aligned counts of both sides. */
  record Bins(List<String> labels, double[] reference, double[] current, boolean ordered, String note) {}

  /**
   * Bins of a categorical feature: the reference's top values, then "(other)" for every other value, then "(missing)".
   * A reference top value that is not among the current top values is counted in the current "(other)" when the
   * current profile has more values than its top list shows (its exact count is not in the profile), else as zero;
   * the first case can only understate the drift.
   */
  static Bins categorical(List<FeatureProfile.ValueCount> refTop, long refOther, long refMissing, List<FeatureProfile.ValueCount> curTop,
      long curOther, long curMissing, long curTotal, boolean withMissing) {
    Map<String, Long> cur = new HashMap<>();
    for (FeatureProfile.ValueCount v : curTop) {
      cur.put(v.value(), v.count());
    }
    List<String> labels = new ArrayList<>();
    int n = refTop.size() + 1 + (withMissing ? 1 : 0);
    double[] r = new double[n];
    double[] c = new double[n];
    long assigned = 0;
    int unseen = 0;
    for (int i = 0; i < refTop.size(); i++) {
      labels.add(refTop.get(i).value());
      r[i] = refTop.get(i).count();
      Long cc = cur.get(refTop.get(i).value());
      if (cc == null && curOther > 0) {
        unseen++;
      }
      c[i] = cc == null ? 0 : cc;
      assigned += cc == null ? 0 : cc;
    }
    labels.add(OTHER);
    r[refTop.size()] = refOther;
    c[refTop.size()] = curTotal - assigned;
    if (withMissing) {
      labels.add(MISSING);
      r[n - 1] = refMissing;
      c[n - 1] = curMissing;
    }
    String note = unseen == 0 ? null : unseen + " reference top values are outside the current top list: counted in " + OTHER;
    return new Bins(List.copyOf(labels), r, c, false, note);
  }

  /**
   * Bins of a numeric feature: the reference's histogram. When the current histogram has other edges (it was profiled
   * in another dataset), its cumulative distribution is interpolated linearly inside its bins (between its min and max
   * at the ends) and read at the reference's edges.
   */
  static Bins numeric(FeatureProfile.Numeric ref, FeatureProfile.Numeric cur) {
    double[] r = ref.histogram().stream().mapToDouble(Long::doubleValue).toArray();
    List<String> labels = rangeLabels(ref.edges());
    if (ref.edges().equals(cur.edges())) {
      return new Bins(labels, r, cur.histogram().stream().mapToDouble(Long::doubleValue).toArray(), true, null);
    }
    double[] e = ref.edges().stream().mapToDouble(Double::doubleValue).toArray();
    double[] c = new double[e.length + 1];
    double prev = 0;
    for (int j = 0; j < e.length; j++) {
      double f = cdf(cur, e[j]);
      c[j] = f - prev;
      prev = f;
    }
    double total = cur.histogram().stream().mapToLong(Long::longValue).sum();
    c[e.length] = total - prev;
    return new Bins(labels, r, c, true, "current histogram re-binned on the reference's edges by linear interpolation");
  }

  /** Events of {@code p} below {@code x}, interpolating linearly inside a bin. */
  static double cdf(FeatureProfile.Numeric p, double x) {
    List<Double> e = p.edges();
    List<Long> h = p.histogram();
    double below = 0;
    for (int b = 0; b < h.size(); b++) {
      double lo = b == 0 ? Math.min(p.min(), e.isEmpty() ? p.min() : e.get(0)) : e.get(b - 1);
      double hi = b == h.size() - 1 ? Math.max(p.max(), e.isEmpty() ? p.max() : e.get(e.size() - 1)) : e.get(b);
      if (x >= hi) {
        below += h.get(b);
      } else if (x > lo) {
        below += h.get(b) * (x - lo) / (hi - lo);
        break;
      } else {
        break;
      }
    }
    return below;
  }

  static List<String> rangeLabels(List<Double> edges) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i <= edges.size(); i++) {
      if (i == 0) {
        out.add(edges.isEmpty() ? "all" : "< " + num(edges.get(0)));
      } else if (i == edges.size()) {
        out.add(">= " + num(edges.get(i - 1)));
      } else {
        out.add("[" + num(edges.get(i - 1)) + ", " + num(edges.get(i)) + ")");
      }
    }
    return List.copyOf(out);
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
  }
}
