package dev.tandem.serving.experiment;

import java.util.Locale;

/** The two arms of an experiment: the version in production and the one tried against it. */
public enum Arm {
  CONTROL, CHALLENGER;

  /** The arm's name in answers, logs and metrics: {@code control} or {@code challenger}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The arm named {@code value}.
   *
   * @throws IllegalArgumentException if it names no arm
   */
  public static Arm of(String value) {
    for (Arm a : values()) {
      if (a.value().equals(value)) {
        return a;
      }
    }
    throw new IllegalArgumentException("no arm '" + value + "'; arms: control, challenger");
  }
}
