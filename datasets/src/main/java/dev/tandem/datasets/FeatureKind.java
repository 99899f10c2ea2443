package dev.tandem.datasets;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a raw attribute becomes model input. */
public enum FeatureKind {
  /** One value from a vocabulary (or hashed into buckets): an embedding index. */
  CATEGORICAL,
  /** A number, either bucketized into an index or standardised into a float. */
  NUMERIC,
  /** A set of values (e.g. genres), each from a vocabulary. */
  MULTI_HOT;

  @JsonValue
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static FeatureKind of(String s) {
    return dev.tandem.config.Check.enumOf(values(), s);
  }

  @Override
  public String toString() {
    return key();
  }
}
