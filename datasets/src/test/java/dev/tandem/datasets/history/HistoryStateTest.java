package dev.tandem.datasets.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.FeatureKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The as-of rule and the arithmetic of every history kind, on hand-made events. */
class HistoryStateTest {
  private static final long DAY = 86_400;

  private static HistoryFeature f(FeatureKind kind, Entity of, long window, int n, boolean positives, double smoothing, String source,
      double prior) {
    return new HistoryFeature(kind.name().toLowerCase(), kind, of, window, n, positives, smoothing, source, "|", prior);
  }

  private static final List<HistoryFeature> FEATURES = List.of(
      f(FeatureKind.HISTORY_COUNT, Entity.USER, -1, 0, false, 0, null, 0),          // 0: all-time count
      f(FeatureKind.HISTORY_COUNT, Entity.USER, 2 * DAY, 0, false, 0, null, 0),     // 1: 2-day count
      f(FeatureKind.HISTORY_RATE, Entity.USER, -1, 0, false, 2, null, 0.5),         // 2: smoothed rate
      f(FeatureKind.HISTORY_MEAN, Entity.USER, 2 * DAY, 0, false, 1, "rating", 3),   // 3: 2-day smoothed mean rating
      f(FeatureKind.TIME_SINCE, Entity.USER, -1, 0, false, 0, null, 0),             // 4: hours since previous
      f(FeatureKind.HISTORY_ITEMS, Entity.USER, -1, 2, true, 0, null, 0),           // 5: last 2 positive items
      f(FeatureKind.HISTORY_COUNT, Entity.ITEM, -1, 0, false, 0, null, 0),          // 6: item popularity
      f(FeatureKind.HISTORY_SHARE, Entity.USER, -1, 0, false, 0, "genre", 0.5));    // 7: affinity for the item's genres

  /** Items 0..3; genres: 0 -> {0}, 1 -> {0, 1}, 2 -> {1}, 3 -> none. */
  private static HistoryState state(long delay) {
    return new HistoryState(FEATURES, delay, 100, Map.of("genre", new int[][] {{0}, {0, 1}, {1}, {}}));
  }

  @Test
  void eventsAtTheSameTimeNeverSeeEachOtherAndLaterEventsAreInvisible() {
    HistoryState s = state(0);
    s.advance(100);
    s.add(0, 1, 100, 1f, new float[] {5});
    s.add(0, 2, 100, 0f, new float[] {1});
    assertThat(s.value(0, 0, 1, 100)).isZero(); // the two events at t=100 are not visible at t=100
    s.advance(101);
    assertThat(s.value(0, 0, 1, 101)).isEqualTo(2f);
    s.add(0, 3, 500, 1f, new float[] {4}); // added, but in the future of t=101
    assertThat(s.value(0, 0, 1, 101)).isEqualTo(2f);
    assertThatThrownBy(() -> s.value(0, 0, 1, 600)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("advance first");
    assertThatThrownBy(() -> s.advance(50)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot go back");
  }

  @Test
  void anAvailabilityDelayHidesRecentEvents() {
    HistoryState s = state(3600);
    s.add(0, 0, 1000, 1f, null);
    s.advance(1000 + 3600);
    assertThat(s.value(0, 0, 0, 1000 + 3600)).isZero(); // 1000 is not < t - d = 1000
    s.advance(1001 + 3600);
    assertThat(s.value(0, 0, 0, 1001 + 3600)).isEqualTo(1f);
  }

  @Test
  void windowsRatesMeansItemsTimeAndShares() {
    HistoryState s = state(0);
    s.add(7, 0, 0, 1f, new float[] {5});          // day 0: positive, rating 5, genre {0}
    s.add(7, 1, DAY, 0f, new float[] {2});        // day 1: negative, rating 2, genres {0, 1}
    s.add(7, 2, 2 * DAY, 1f, new float[] {Float.NaN}); // day 2: positive, no rating, genre {1}
    s.add(9, 2, 2 * DAY + 10, 1f, null);          // another user, same item
    long t = 2 * DAY + 3600;
    s.advance(t);
    assertThat(s.value(0, 7, 0, t)).isEqualTo(3f);
    assertThat(s.value(1, 7, 0, t)).isEqualTo(2f); // days 1 and 2 are within [t - 2 days, t)
    assertThat(s.value(2, 7, 0, t)).isEqualTo((float) ((2 + 2 * 0.5) / (3 + 2)));
    assertThat(s.value(3, 7, 0, t)).isEqualTo((float) ((2 + 1 * 3.0) / (1 + 1))); // only day 1's rating is in the window
    assertThat(s.value(4, 7, 0, t)).isEqualTo(1f); // an hour since day 2
    assertThat(s.value(4, 8, 0, t)).isNaN(); // a user without history
    int[] items = new int[2];
    assertThat(s.items(5, 7, t, items)).isEqualTo(2);
    assertThat(items).containsExactly(2, 0); // positives, newest first
    assertThat(s.value(6, 7, 2, t)).isEqualTo(2f); // item 2 was seen by users 7 and 9
    // genre 0: 2 events, 1 positive -> (1 + 0)/(2) with no smoothing; genre 1: 2 events, 1 positive
    assertThat(s.value(7, 7, 1, t)).isEqualTo(0.5f);
    assertThat(s.value(7, 7, 0, t)).isEqualTo(0.5f);
    assertThat(s.value(7, 7, 3, t)).isNaN(); // an item without the attribute
  }

  @Test
  void aWindowKeepsAtMostMaxEventsAndCountsWhatItDropped() {
    HistoryState s = new HistoryState(List.of(FEATURES.get(1)), 0, 4, Map.of());
    for (int i = 0; i < 10; i++) {
      s.add(0, 0, 1000 + i, 1f, null);
    }
    s.advance(2000);
    assertThat(s.value(0, 0, 0, 2000)).isEqualTo(4f);
    assertThat(s.truncations()).isEqualTo(6);
  }

  @Test
  void lateEventsAreOrderedBeforeTheyBecomeVisible() {
    HistoryState s = state(10);
    s.add(0, 0, 100, 1f, null);
    s.add(0, 0, 50, 1f, null); // arrives late but before it is visible
    s.advance(61);
    assertThat(s.value(0, 0, 0, 61)).isEqualTo(1f); // only t=50 is < 61 - 10
  }
}
