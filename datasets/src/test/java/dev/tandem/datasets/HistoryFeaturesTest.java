package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time features of prepared datasets obey the as-of rule: a feature of an event at time t sees only events
 * with timestamp {@code < t - availability_delay}, events at the same timestamp never see each other, later events
 * (of any split) change no earlier feature, and validation and test events see earlier train events.
 */
class HistoryFeaturesTest {
  @TempDir
  Path dir;

  private static final long T0 = 1_700_000_000L; // 2023-11-14

  /**
   * Counts are decoded exactly from their buckets: boundaries 0.5, 1.5, ... put a count c in bucket c + 1 (up to 29).
   * {@code %s} is the extra dataset setting (split, delay).
   */
  private static final String CFG = """
      source:
        format: events
        events: {path: %s}
        columns: {user_id: u, item_id: i, timestamp: t, rating: r}
      label: "rating >= 4"
      features:
        - {name: user_id, entity: user, kind: categorical}
        - {name: item_id, entity: item, kind: categorical}
        - {name: user_events, kind: history_count, of: user, log: false, bucketize: {boundaries: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5]}}
        - {name: user_positives_1d, kind: history_count, of: user, events: positives, window: 1d, log: false, bucketize: {boundaries: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]}}
        - {name: item_events, kind: history_count, of: item, log: false, bucketize: {boundaries: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5]}}
        - {name: user_rate, kind: history_rate, of: user, smoothing: 2}
        - {name: user_mean_rating, kind: history_mean, of: user, source: rating, window: 7d}
        - {name: since_last, kind: time_since, of: user}
        - {name: recent, kind: history_items, of: user, n: 3}
      %s
      """;

  private PreparedDataset prepare(String name, List<String> rows, String settings) throws Exception {
    StringBuilder csv = new StringBuilder("u,i,t,r\n");
    rows.forEach(r -> csv.append(r).append('\n'));
    TestData.write(dir, name + ".csv", csv.toString());
    return Prepare.dataset(CFG.formatted(name + ".csv", settings), dir, dir.resolve(name).toString());
  }

  private static String row(String user, String item, long t, int rating) {
    return user + "," + item + "," + t + "," + rating;
  }

  /** A small log over ten days: users u0..u4, items i0..i5, some events at the same second. */
  private static List<String> log() {
    List<String> rows = new ArrayList<>();
    for (int k = 0; k < 60; k++) {
      long t = T0 + k * 4 * 3600L - (k % 7 == 3 ? 4 * 3600L : 0); // every 7th event shares its time with the previous
      rows.add(row("u" + (k % 5), "i" + (k * 7 % 6), t, 1 + k * 3 % 5));
    }
    return rows;
  }

  private static final String SPLIT = "split: {train_end: \"2023-11-20T00:00:00Z\", validation_end: \"2023-11-22T00:00:00Z\", test_end: \"2023-12-31T00:00:00Z\"}";

  /** Every event of every split, in time order: their timestamps and the encoded columns of the given features. */
  private record Events(long[] ts, int[] user, List<int[]> indexColumns, List<float[]> realColumns, List<int[][]> lists) {}

  private static Events events(PreparedDataset ds, List<String> indexed, List<String> reals, List<String> lists) {
    List<EventBatch> parts = new ArrayList<>();
    for (SplitName s : SplitName.values()) {
      parts.add(ds.read(s));
    }
    EventBatch all = EventBatch.concat(parts);
    List<int[]> idx = new ArrayList<>();
    indexed.forEach(n -> idx.add(((EncodedColumn.Index) all.context().column(n)).values()));
    List<float[]> real = new ArrayList<>();
    reals.forEach(n -> real.add(((EncodedColumn.Real) all.context().column(n)).values()));
    List<int[][]> lst = new ArrayList<>();
    for (String n : lists) {
      EncodedColumn.MultiIndex m = (EncodedColumn.MultiIndex) all.context().column(n);
      int[][] rows = new int[m.rows()][];
      for (int r = 0; r < rows.length; r++) {
        rows[r] = Arrays.copyOfRange(m.values(), m.offsets()[r], m.offsets()[r + 1]);
      }
      lst.add(rows);
    }
    return new Events(all.timestamp(), all.user(), idx, real, lst);
  }

  private static final List<String> COUNTS = List.of("user_events", "user_positives_1d", "item_events");
  private static final List<String> REALS = List.of("user_rate", "user_mean_rating", "since_last");
  private static final List<String> LISTS = List.of("recent");

  @Test
  void aPlantedLaterEventChangesNoEarlierFeature() throws Exception {
    List<String> base = log();
    Events before = events(prepare("base", base, SPLIT), COUNTS, REALS, LISTS);
    List<String> planted = new ArrayList<>(base);
    long plantTime = T0 + 48 * 4 * 3600L + 1; // between events 48 and 49, in the test period (after 2023-11-22)
    planted.add(row("u1", "i2", plantTime, 5));
    Events after = events(prepare("planted", planted, SPLIT), COUNTS, REALS, LISTS);
    int earlier = 0;
    while (earlier < before.ts().length && before.ts()[earlier] <= plantTime) {
      earlier++;
    }
    assertThat(earlier).isGreaterThan(40);
    for (int c = 0; c < COUNTS.size(); c++) {
      assertThat(Arrays.copyOf(after.indexColumns().get(c), earlier)).as(COUNTS.get(c))
          .containsExactly(Arrays.copyOf(before.indexColumns().get(c), earlier));
    }
    for (int c = 0; c < REALS.size(); c++) {
      assertThat(Arrays.copyOf(after.realColumns().get(c), earlier)).as(REALS.get(c))
          .containsExactly(Arrays.copyOf(before.realColumns().get(c), earlier));
    }
    assertThat(Arrays.copyOf(after.lists().get(0), earlier)).isDeepEqualTo(Arrays.copyOf(before.lists().get(0), earlier));
    // ...and it is seen by the user's next event: the test would not notice a plant that changed nothing at all
    int next = earlier + 1; // the planted event itself sits at index `earlier` in `after`
    while (after.user()[next] != after.user()[earlier]) {
      next++;
    }
    assertThat(after.indexColumns().get(0)[next]).isEqualTo(before.indexColumns().get(0)[next - 1] + 1);
  }

  @Test
  void eventsAtTheSameTimeDoNotSeeEachOtherAndCountsAreExact() throws Exception {
    List<String> rows = List.of(row("a", "x", T0, 5), row("a", "y", T0, 5), row("b", "x", T0, 1), row("a", "z", T0 + 60, 2),
        row("b", "y", T0 + 7200, 4), row("a", "x", T0 + 2 * 86_400, 5), row("c", "x", T0 + 3 * 86_400, 5), row("d", "z", T0 + 4 * 86_400, 1));
    Events e = events(prepare("same", rows, "split: {train: 0.75, validation: 0.125, test: 0.125}"), COUNTS, REALS, LISTS);
    // ordered by (t, user, item): a/x, a/y, b/x at T0; a/z; b/y; a/x; c/x; d/z
    assertThat(counts(e.indexColumns().get(0))).containsExactly(0, 0, 0, 2, 1, 3, 0, 0);
    assertThat(counts(e.indexColumns().get(1))).containsExactly(0, 0, 0, 2, 0, 0, 0, 0); // positives in the last day
    assertThat(counts(e.indexColumns().get(2))).containsExactly(0, 0, 0, 0, 1, 2, 3, 1); // b/x at T0 does not see a/x at T0
  }

  private static int[] counts(int[] buckets) {
    return Arrays.stream(buckets).map(b -> b - 1).toArray();
  }

  @Test
  void anEventInsideTheAvailabilityDelayIsInvisible() throws Exception {
    List<String> rows = List.of(row("a", "x", T0, 5), row("a", "y", T0 + 1800, 5), row("a", "z", T0 + 3600, 5),
        row("a", "w", T0 + 3601, 5), row("b", "x", T0 + 86_400, 5), row("b", "y", T0 + 2 * 86_400, 5), row("c", "y", T0 + 3 * 86_400, 5),
        row("c", "z", T0 + 4 * 86_400, 5));
    Events e = events(prepare("delay", rows, "split: {train: 0.75, validation: 0.125, test: 0.125}\navailability_delay: 1h"), COUNTS,
        REALS, LISTS);
    // a/y (30 min after a/x) and a/z (exactly 1 h after) do not see a/x yet; a/w (1 h 1 s after) does
    assertThat(counts(e.indexColumns().get(0))).startsWith(0, 0, 0, 1);
  }

  @Test
  void validationAndTestEventsSeeTrainEventsAndTrainNeverSeesThem() throws Exception {
    List<String> base = log();
    Events withAll = events(prepare("all", base, SPLIT), COUNTS, REALS, LISTS);
    long trainEnd = java.time.Instant.parse("2023-11-20T00:00:00Z").getEpochSecond();
    List<String> trainOnly = base.stream().filter(r -> Long.parseLong(r.split(",")[2]) < trainEnd).toList();
    Events onlyTrain = events(prepare("train", trainOnly, SPLIT), COUNTS, REALS, LISTS);
    int n = onlyTrain.ts().length;
    assertThat(n).isLessThan(withAll.ts().length);
    // train events have the same features whether or not later splits exist
    assertThat(Arrays.copyOf(withAll.indexColumns().get(0), n)).containsExactly(onlyTrain.indexColumns().get(0));
    assertThat(Arrays.copyOf(withAll.realColumns().get(0), n)).containsExactly(onlyTrain.realColumns().get(0));
    // the first later event of u0 counts u0's train events
    int first = n;
    while (withAll.user()[first] != withAll.user()[0]) {
      first++;
    }
    long trainEventsOfUser = Arrays.stream(Arrays.copyOf(withAll.user(), n)).filter(u -> u == withAll.user()[0]).count();
    assertThat(withAll.indexColumns().get(0)[first] - 1).isEqualTo((int) trainEventsOfUser);
  }

  /**
   * The code path of evaluation and serving ({@link HistoryFeatures}: events added one by one, the state advanced to
   * each query's time) computes, for every prepared event, exactly the encoded values preparation wrote: value for value.
   */
  @Test
  void replayingTheEventsReproducesThePreparedFeatures() throws Exception {
    PreparedDataset ds = prepare("replay", log(), SPLIT + "\navailability_delay: 2h");
    List<EventBatch> parts = new ArrayList<>();
    for (SplitName s : SplitName.values()) {
      parts.add(ds.read(s));
    }
    EventBatch all = EventBatch.concat(parts);
    HistoryFeatures live = HistoryFeatures.of(ds.transform(), ds.items());
    List<String> names = live.names();
    assertThat(names).containsExactly("user_events", "user_positives_1d", "item_events", "user_rate", "user_mean_rating", "since_last",
        "recent");
    long last = Long.MIN_VALUE;
    for (int i = 0; i < all.size(); i++) {
      long t = all.timestamp()[i];
      if (t != last) {
        live.advance(t);
        last = t;
      }
      var encoded = live.encode(new int[] {all.user()[i]}, new int[] {all.item()[i]}, t);
      for (String name : names) {
        EncodedColumn want = all.context().column(name);
        EncodedColumn got = encoded.column(name);
        if (want instanceof EncodedColumn.Index x) {
          assertThat(((EncodedColumn.Index) got).values()[0]).as(name + " of event " + i).isEqualTo(x.values()[i]);
        } else if (want instanceof EncodedColumn.Real x) {
          assertThat(((EncodedColumn.Real) got).values()[0]).as(name + " of event " + i).isEqualTo(x.values()[i]);
        } else {
          EncodedColumn.MultiIndex x = (EncodedColumn.MultiIndex) want;
          assertThat(((EncodedColumn.MultiIndex) got).values()).as(name + " of event " + i)
              .containsExactly(Arrays.copyOfRange(x.values(), x.offsets()[i], x.offsets()[i + 1]));
        }
      }
      live.addAll(all.slice(i, i + 1));
    }
  }

  @Test
  void historyConfigurationErrorsNameTheKey() {
    assertThatThrownBy(() -> Prepare.config("""
        source: {format: events, events: {path: e.csv}, columns: {user_id: u, item_id: i, timestamp: t, rating: r}}
        label: "rating >= 4"
        features:
          - {name: n, kind: history_count, of: user, window: 3 weeks}
        """, dir)).isInstanceOf(ConfigException.class).hasMessageContaining("features[0].window").hasMessageContaining("3 weeks");
    assertThatThrownBy(() -> Prepare.config("""
        source: {format: events, events: {path: e.csv}, columns: {user_id: u, item_id: i, timestamp: t, rating: r}}
        label: "rating >= 4"
        features:
          - {name: recent, kind: history_items, of: user}
        """, dir)).isInstanceOf(ConfigException.class).hasMessageContaining("features[0].kind").hasMessageContaining("item_id");
    assertThatThrownBy(() -> Prepare.config("""
        source: {format: events, events: {path: e.csv}, columns: {user_id: u, item_id: i, timestamp: t, rating: r}}
        label: "rating >= 4"
        features:
          - {name: r, kind: history_rate, entity: user}
        """, dir)).isInstanceOf(ConfigException.class).hasMessageContaining("features[0].entity").hasMessageContaining("of: user");
    assertThatThrownBy(() -> Prepare.config("""
        source: {format: events, events: {path: e.csv}, columns: {user_id: u, item_id: i, timestamp: t, rating: r}}
        label: "rating >= 4"
        availability_delay: soon
        features:
          - {name: user_id, entity: user, kind: categorical}
        """, dir)).isInstanceOf(ConfigException.class).hasMessageContaining("availability_delay");
  }
}
