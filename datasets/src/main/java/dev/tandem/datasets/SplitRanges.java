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
    long[] ts = events.timestamp();
    int[] b = TemporalSplit.of(split).boundaries(ts);
    if (b[0] == 0) {
      throw new ConfigException("dataset.split", "the train split is empty: check the fractions or train_end against the data's time range "
          + Instant.ofEpochSecond(ts[0]) + " .. " + Instant.ofEpochSecond(ts[ts.length - 1]));
    }
    return new SplitRanges(b[0], b[1], b[2], EntityCounts.of(events, 0, b[0]), EntityCounts.of(events, b[0], b[1]),
        EntityCounts.of(events, b[1], b[2]));
  }

  int from(SplitName s) {
    return switch (s) {
      case TRAIN -> 0;
      case VALIDATION -> trainEnd;
      case TEST -> validationEnd;
    };
  }

  int to(SplitName s) {
    return switch (s) {
      case TRAIN -> trainEnd;
      case VALIDATION -> validationEnd;
      case TEST -> testEnd;
    };
  }

  int size(SplitName s) {
    return to(s) - from(s);
  }

  EntityCounts counts(SplitName s) {
    return switch (s) {
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
      int[] c = new int[size];
      for (int i = from; i < to; i++) {
        c[rows[i]]++;
      }
      return c;
    }

    /** How many rows have at least one event. */
    static long nonZero(int[] c) {
      long n = 0;
      for (int v : c) {
        if (v > 0) {
          n++;
        }
      }
      return n;
    }

    /** Events (counted in {@code split}) whose entity has none in {@code train}. */
    static long unseen(int[] split, int[] train) {
      long n = 0;
      for (int r = 0; r < split.length; r++) {
        if (train[r] == 0) {
          n += split[r];
        }
      }
      return n;
    }
  }
}
