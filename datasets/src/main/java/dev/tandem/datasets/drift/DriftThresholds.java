package dev.tandem.datasets.drift;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;

/**
 * When drift is worth a warning or an alert (the {@code drift} section of a retrain config, or a file of its own for
 * {@code tandem drift --thresholds}). Every key is optional; the defaults are the usual rules of thumb.
 *
 * @param psi            population stability index per feature (default warn 0.1, alert 0.25)
 * @param jensenShannon  Jensen-Shannon distance per feature (default warn 0.1, alert 0.2)
 * @param oovRate        rise of the out-of-vocabulary rate over the reference's (default warn 0.05, alert 0.2)
 * @param labelRate      absolute change of the label (positive) rate (default warn 0.03, alert 0.1)
 * @param prediction     PSI of the champion's scores on current against reference data (default warn 0.1, alert 0.25)
 * @param driftShare     the dataset alerts when at least this share of its features drift (default 0.5, Evidently's)
 * @param featureDriftAt the status from which a feature counts as drifting for {@code driftShare}: {@code warn}
 *                       (default: a statistic above the warn threshold, as Evidently counts) or {@code alert} (for data
 *                       whose features move a little every window, so only large moves count)
 */
public record DriftThresholds(Level psi, Level jensenShannon, Level oovRate, Level labelRate, Level prediction, double driftShare,
    DriftStatus featureDriftAt) {
  /** Every threshold at its default. */
  public static final DriftThresholds DEFAULT = of(null, null, null, null, null, null, null);

  /** A warn and an alert threshold, warn <= alert. */
  public record Level(double warn, double alert) {
    public Level {
      Check.that(warn >= 0 && Double.isFinite(warn), "warn", "must be a number >= 0");
      Check.that(alert >= warn && Double.isFinite(alert), "alert", "must be a number >= warn (" + warn + ")");
    }
  }

  /** The section as written, with every key it leaves out (null) at its default. */
  @JsonCreator
  public static DriftThresholds of(@JsonProperty("psi") Level psi, @JsonProperty("jensen_shannon") Level jensenShannon,
      @JsonProperty("oov_rate") Level oovRate, @JsonProperty("label_rate") Level labelRate,
      @JsonProperty("prediction") Level prediction, @JsonProperty("drift_share") Double driftShare,
      @JsonProperty("feature_drift_at") DriftStatus featureDriftAt) {
    return new DriftThresholds(orDefault(psi, new Level(0.1, 0.25)), orDefault(jensenShannon, new Level(0.1, 0.2)),
        orDefault(oovRate, new Level(0.05, 0.2)), orDefault(labelRate, new Level(0.03, 0.1)), orDefault(prediction, new Level(0.1, 0.25)),
        orDefault(driftShare, 0.5), orDefault(featureDriftAt, DriftStatus.WARN));
  }

  public DriftThresholds {
    Check.that(driftShare > 0 && driftShare <= 1, "drift_share", "must be in (0, 1]");
    Check.that(featureDriftAt != DriftStatus.OK, "feature_drift_at", "must be warn or alert");
  }
}
