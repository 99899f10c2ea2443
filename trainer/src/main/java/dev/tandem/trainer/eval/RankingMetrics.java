package dev.tandem.trainer.eval;

import dev.tandem.trainer.metrics.CalibrationBin;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.metrics.Scores;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ROC AUC, log loss and a calibration table for binary predictions. */
public final class RankingMetrics {
  private static final double EPS = 1e-7;

  private RankingMetrics() {}

  /** AUC, log loss, the base rates and the expected calibration error, with the calibration table. */
  public static Scores evaluate(float[] predicted, float[] label, int bins) {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(Metric.AUC.name(), auc(predicted, label));
    out.put(Metric.LOGLOSS.name(), logloss(predicted, label));
    double pos = 0;
    double mean = 0;
    for (int i = 0; i < label.length; i++) {
      pos += label[i];
      mean += predicted[i];
    }
    out.put("examples", (double) label.length);
    out.put("positive_rate", label.length == 0 ? Double.NaN : pos / label.length);
    out.put("mean_prediction", label.length == 0 ? Double.NaN : mean / label.length);
    List<CalibrationBin> table = calibration(predicted, label, bins);
    double ece = 0;
    for (CalibrationBin b : table) {
      if (b.count() > 0) { // an empty bin's means are NaN and weigh nothing
        ece += b.count() * Math.abs(b.meanPredicted() - b.observedRate());
      }
    }
    out.put("expected_calibration_error", label.length == 0 ? Double.NaN : ece / label.length);
    return new Scores(out, Map.of(), table);
  }

  /** ROC AUC with tied predictions sharing their average rank (the Mann-Whitney statistic). */
  public static double auc(float[] p, float[] y) {
    int n = p.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(p[a], p[b]));
    double rankSumPos = 0;
    long npos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && p[order[j + 1]] == p[order[i]]) {
        j++;
      }
      double avgRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (y[order[k]] > 0.5) {
          rankSumPos += avgRank;
          npos++;
        }
      }
      i = j + 1;
    }
    long nneg = n - npos;
    if (npos == 0 || nneg == 0) {
      return Double.NaN;
    }
    return (rankSumPos - npos * (npos + 1) / 2.0) / ((double) npos * nneg);
  }

  /** Mean binary cross-entropy of predictions {@code p} for labels {@code y}, predictions clipped away from 0 and 1. */
  public static double logloss(float[] p, float[] y) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      double q = Math.min(1 - EPS, Math.max(EPS, p[i]));
      s -= y[i] > 0.5 ? Math.log(q) : Math.log(1 - q);
    }
    return p.length == 0 ? Double.NaN : s / p.length;
  }

  /** Equal-width bins over [0, 1]. */
  public static List<CalibrationBin> calibration(float[] p, float[] y, int bins) {
    long[] count = new long[bins];
    double[] sumP = new double[bins];
    double[] sumY = new double[bins];
    for (int i = 0; i < p.length; i++) {
      int b = Math.min(bins - 1, (int) (p[i] * bins));
      count[b]++;
      sumP[b] += p[i];
      sumY[b] += y[i];
    }
    List<CalibrationBin> out = new ArrayList<>();
    for (int b = 0; b < bins; b++) {
      out.add(new CalibrationBin((double) b / bins, (double) (b + 1) / bins, count[b], count[b] == 0 ? Double.NaN : sumP[b] / count[b],
          count[b] == 0 ? Double.NaN : sumY[b] / count[b]));
    }
    return out;
  }
}
