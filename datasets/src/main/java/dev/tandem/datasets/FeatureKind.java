package dev.tandem.datasets;

import dev.tandem.config.ConfigEnum;

/** How a raw attribute becomes model input. */
public enum FeatureKind implements ConfigEnum {
  /** One value from a vocabulary (or hashed into buckets): an embedding index. */
  CATEGORICAL,
  /** A number, either bucketized into an index or standardised into a float. */
  NUMERIC,
  /** A set of values (e.g. genres), each from a vocabulary. */
  MULTI_HOT;

  @Override
  public String toString() {
    return key();
  }
}
