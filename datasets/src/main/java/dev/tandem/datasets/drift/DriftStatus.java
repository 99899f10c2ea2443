package dev.tandem.datasets.drift;

import dev.tandem.config.ConfigEnum;

/** A verdict, ordered by severity, written {@code ok}, {@code warn}, {@code alert}; its exit code is what {@code tandem drift} returns. */
public enum DriftStatus implements ConfigEnum {
  OK, WARN, ALERT;

  /** 0, 1 or 2. */
  public int exitCode() {
    return ordinal();
  }

  /** The more severe of two. */
  public DriftStatus max(DriftStatus other) {
    return other.ordinal() > ordinal() ? other : this;
  }

  /** The status of a value against a warn and an alert threshold (at or above a threshold reaches it). */
  public static DriftStatus of(double value, DriftThresholds.Level level) {
    if (Double.isNaN(value)) {
      return OK;
    }
    return value >= level.alert() ? ALERT : value >= level.warn() ? WARN : OK;
  }
}
