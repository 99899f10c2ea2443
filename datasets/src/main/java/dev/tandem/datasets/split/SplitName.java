package dev.tandem.datasets.split;

import java.util.Locale;

/** The three parts of a temporal split, in time order. */
public enum SplitName {
  TRAIN, VALIDATION, TEST;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SplitName of(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown split '" + s + "'; expected train, validation or test");
    }
  }

  @Override
  public String toString() {
    return key();
  }
}
