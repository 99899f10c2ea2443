package dev.tandem.datasets.drift;

import java.util.List;

/**
 * {@code drift.json}: the drift of current data against a reference, per feature and for the dataset, with the
 * thresholds that judged it.
 *
 * @param format        layout version of this file
 * @param reference     what the reference was (a dataset split, a registry version's profile)
 * @param current       what the current data was
 * @param thresholds    the thresholds applied
 * @param status        the dataset's verdict: alert when at least {@code thresholds.driftShare} of the features drift (warn
 *                      or alert), the label rate alerts or the prediction drift alerts; warn when anything drifts
 * @param driftedShare  the share of features that drift (status warn or alert)
 * @param events        events in the reference and current data
 * @param labelRate     label (positive) rate of the reference and current data, and its verdict
 * @param features      per feature
 * @param prediction    the champion's score distribution on current against reference data, when a model was given
 * @param reasons       what set the dataset's status
 */
public record DriftReport(int format, String reference, String current, DriftThresholds thresholds, DriftStatus status, double driftedShare,
    Pair events, LabelRate labelRate, List<FeatureDrift> features, FeatureDrift prediction, List<String> reasons) {
  public static final int FORMAT = 1;
  public static final String FILE = "drift.json";

  /** A value on each side. */
  public record Pair(double reference, double current) {}

  /** Label rates and their verdict. */
  public record LabelRate(double reference, double current, DriftStatus status) {}

  /** This report with the prediction drift added, the dataset's status raised by it. */
  public DriftReport withPrediction(FeatureDrift p) {
    List<String> r = new java.util.ArrayList<>(reasons);
    DriftStatus s = status;
    if (p.status() != DriftStatus.OK) {
      r.add("prediction drift " + p.status().key() + ": " + String.join(", ", p.reasons()));
      s = s.max(p.status());
    }
    return new DriftReport(format, reference, current, thresholds, s, driftedShare, events, labelRate, features, p, List.copyOf(r));
  }
}
