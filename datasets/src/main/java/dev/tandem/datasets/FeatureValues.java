package dev.tandem.datasets;

import dev.tandem.datasets.features.RawColumn;

/**
 * Where each feature's raw values come from, for fitting, encoding and profiling alike: user and item features take
 * one value per entity row (its id or attribute), weighted by the entity's events in the range at hand; context
 * features take one value per event of the range.
 */
record FeatureValues(OrderedEvents events, EntityAttributes attributes, HistoryColumns history) {

  /**
   * The values of {@code f} for the events {@code [from, to)}: per entity row, or per event for context features
   * (history features among them: derived as of each event's time).
   */
  RawColumn of(FeatureSpec f, int from, int to) {
    if (f.isHistory()) {
      return history.column(f, from, to);
    }
    return switch (f.entity()) {
      case USER -> RawColumn.of(f.source().equals("user_id") ? events.userIds() : attributes.users().get(f.source()));
      case ITEM -> RawColumn.of(f.source().equals("item_id") ? events.itemIds() : attributes.items().get(f.source()));
      case CONTEXT -> events.column(f, from, to);
    };
  }

  /** How much each value of {@link #of} counts: the entity's events in the range, or null (one per event). */
  static int[] weights(FeatureSpec f, SplitRanges.EntityCounts counts) {
    return switch (f.entity()) {
      case USER -> counts.users();
      case ITEM -> counts.items();
      case CONTEXT -> null;
    };
  }
}
