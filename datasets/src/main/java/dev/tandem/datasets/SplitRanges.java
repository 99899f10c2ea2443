package dev.tandem.datasets;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.split.SplitConfig;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.datasets.split.TemporalSplit;
import java.time.Instant;

/**
 * Where each split lies in the {@linkplain OrderedEvents ordered events}: train is {@code [0, trainEnd)}, validation
 * {@code [trainEnd, validationEnd)}, test {@code [validationEnd, testEnd)}; events from {@code testEnd} on are in no
 * split. Also how many events each user and item has in each split.
 */
record SplitRanges(int trainEnd, int validationEnd, int testEnd, EntityCounts train, EntityCounts validation, EntityCounts test) {

  /**
   * The split phase's boundaries.
   *
   * @throws ConfigException if the train split would be empty
   */
  static SplitRanges of(SplitConfig split, OrderedEvents events) {
    long[] timestamps = events.timestamp();
    int[] ends = TemporalSplit.of(split).boundaries(timestamps);
    if (ends[0] == 0) {
      throw new ConfigException("dataset.split", "the train split is empty: check the fractions or train_end against the data's time range "
          + Instant.ofEpochSecond(timestamps[0]) + " .. " + Instant.ofEpochSecond(timestamps[timestamps.length - 1]));
    }
    return new SplitRanges(ends[0], ends[1], ends[2], EntityCounts.of(events, 0, ends[0]), EntityCounts.of(events, ends[0], ends[1]),
        EntityCounts.of(events, ends[1], ends[2]));
  }

  int from(SplitName split) {
    return switch (split) {
      case TRAIN -> 0;
      case VALIDATION -> trainEnd;
      case TEST -> validationEnd;
    };
  }

  int to(SplitName split) {
    return switch (split) {
      case TRAIN -> trainEnd;
      case VALIDATION -> validationEnd;
      case TEST -> testEnd;
    };
  }

  int size(SplitName split) {
    return to(split) - from(split);
  }

  EntityCounts counts(SplitName split) {
    return switch (split) {
      case TRAIN -> train;
      case VALIDATION -> validation;
      case TEST -> test;
    };
  }

  /** Events per user row and per item row in a range of ordered events. */
  record EntityCounts(int[] users, int[] items) {
    static EntityCounts of(OrderedEvents events, int from, int to) {
      return new EntityCounts(count(events.user(), from, to, events.userIds().length), count(events.item(), from, to, events.itemIds().length));
    }

    private static int[] count(int[] rows, int from, int to, int size) {
      int[] counts = new int[size];
      for (int i = from; i < to; i++) {
        counts[rows[i]]++;
      }
      return counts;
    }

    /** How many rows have at least one event. */
    static long nonZero(int[] counts) {
      long rows = 0;
      for (int count : counts) {
        if (count > 0) {
          rows++;
        }
      }
      return rows;
    }

    /** Events (counted in {@code split}) whose entity has none in {@code train}. */
    static long unseen(int[] split, int[] train) {
      long events = 0;
      for (int row = 0; row < split.length; row++) {
        if (train[row] == 0) {
          events += split[row];
        }
      }
      return events;
    }
  }
}
