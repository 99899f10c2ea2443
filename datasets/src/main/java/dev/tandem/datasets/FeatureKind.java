package dev.tandem.datasets;

import dev.tandem.config.ConfigEnum;

/** How a raw attribute becomes model input. */
public enum FeatureKind implements ConfigEnum {
  /** One value from a vocabulary (or hashed into buckets): an embedding index. */
  CATEGORICAL,
  /** A number, either bucketized into an index or standardised into a float. */
  NUMERIC,
  /** A set of values (e.g. genres), each from a vocabulary. */
  MULTI_HOT,
  /** Point in time: the item ids of an entity's last N (positive) events, most recent first. */
  HISTORY_ITEMS,
  /** Point in time: the number of an entity's earlier events, over all time or a trailing window. */
  HISTORY_COUNT,
  /** Point in time: the smoothed share of positives among an entity's earlier events. */
  HISTORY_RATE,
  /** Point in time: the smoothed mean of a numeric column (e.g. rating) over an entity's earlier events. */
  HISTORY_MEAN,
  /** Point in time: the user's smoothed share of positives among earlier events whose item had the event's item's values of an attribute. */
  HISTORY_SHARE,
  /** Point in time: hours since the entity's previous event. */
  TIME_SINCE;

  /** Whether the feature is computed per event from strictly earlier events (see {@code dev.tandem.datasets.history}). */
  public boolean isHistory() {
    return ordinal() >= HISTORY_ITEMS.ordinal();
  }

  @Override
  public String toString() {
    return key();
  }
}
