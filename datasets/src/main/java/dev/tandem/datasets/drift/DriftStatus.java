package dev.tandem.datasets.drift;

import com.fasterxml.jackson.annotation.JsonValue;

/** A verdict, ordered by severity; its exit code is what {@code tandem drift} returns. */
public enum DriftStatus {
  OK, WARN, ALERT;

  /** 0, 1 or 2. */
  public int exitCode() {
    return ordinal();
  }

  /** The more severe of two. */
  public DriftStatus max(DriftStatus other) {
    return other.ordinal() > ordinal() ? other : this;
  }

  /** ok, warn or alert: how the status is written. */
  @JsonValue
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The status of a value against a warn and an alert threshold (at or above a threshold reaches it). */
  public static DriftStatus of(double value, DriftThresholds.Level level) {
    if (Double.isNaN(value)) {
      return OK;
    }
    return value >= level.alert() ? ALERT : value >= level.warn() ? WARN : OK;
  }
}
