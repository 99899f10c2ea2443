package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.RawColumn;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.HistoryEvents;
import dev.tandem.serving.history.LiveHistory;
import dev.tandem.serving.history.ServedEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bundle with history features: it ships the dataset's events, its recommender computes the history features as of
 * the request's time through the datasets module's code, posted events change them once the availability delay has
 * passed, labels follow the dataset's label rule, and caches never serve a user's state from before the user's event.
 */
class HistoryServingTest {
  static ServingBundle bundle;
  static FeatureTransform transform;
  static long last;

  @BeforeAll
  static void load() {
    bundle = Fixtures.historyBundle();
    transform = bundle.transform();
    last = bundle.history().lastTimestamp();
  }

  static ServingConfig config(boolean cache) {
    return ServingConfig.defaults().withRetrieval(new ServingConfig.Retrieval(30, ServingConfig.IndexKind.EXACT, null, null))
        .withCache(new ServingConfig.Cache(cache, null, null));
  }

  /** The encoded value the transform gives a raw history value (what preparation would have written for it). */
  static Object encoded(String feature, double raw) {
    EncodedColumn c = transform.encodeFeature(transform.feature(feature), RawColumn.numbers(new float[] {(float) raw}));
    return c instanceof EncodedColumn.Real r ? (Object) r.values()[0] : (Object) ((EncodedColumn.Index) c).values()[0];
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> features(BundleRecommender rec, String user, String item) {
    return (Map<String, Object>) rec.inputs(user, item, null, Map.of()).get("features");
  }

  static ServedEvent event(String user, String item, long time, double watchSeconds, double click) {
    return new ServedEvent(user, item, time, Map.of("watch_seconds", watchSeconds, "click", click));
  }

  @Test
  void theBundleShipsEveryEventOfItsDatasetAndABundleWithoutHistoryIsUnchanged() {
    assertThat(bundle.manifest().files()).containsKey(ServingBundle.HISTORY_EVENTS);
    assertThat(bundle.manifest().files().get(ServingBundle.HISTORY_EVENTS).sha256()).hasSize(64);
    PreparedDataset ds = Fixtures.historyRuns().dataset();
    HistoryEvents h = bundle.history();
    assertThat((long) h.size()).isEqualTo(ds.sizes().values().stream().mapToLong(Long::longValue).sum());
    assertThat(h.labelRule().toString()).isEqualTo("watch_seconds >= 30");
    assertThat(h.sources()).containsExactly("click");
    for (int i = 1; i < h.size(); i++) {
      assertThat(h.timestamps()[i]).isGreaterThanOrEqualTo(h.timestamps()[i - 1]);
    }
    // a file that does not fit the bundle is refused, naming the file
    assertThatThrownBy(() -> HistoryEvents.decode("v1/history/events.tds", h.toBytes(), 3, bundle.items().size()))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("v1/history/events.tds").hasMessageContaining("3 users");

    ServingBundle plain = Fixtures.bundle();
    assertThat(plain.history()).isNull();
    assertThat(plain.manifest().files().keySet()).noneMatch(f -> f.startsWith("history/"));
    assertThat(plain.servingYaml()).isEqualTo(ServingConfig.DEFAULT_YAML);
    try (BundleRecommender rec = new BundleRecommender(plain, config(false))) {
      assertThat(rec.history()).isNull();
      assertThat(rec.attributeNames()).containsExactlyInAnyOrder("country", "age", "device");
    }
  }

  @Test
  void historyFeaturesAreAsOfTheRequestAndAPostedEventCountsOnceTheDelayHasPassed() throws Exception {
    SettableClock clock = new SettableClock(last + 3600);
    try (BundleRecommender rec = new BundleRecommender(bundle, config(true), null, clock)) {
      LiveHistory history = rec.history();
      assertThat(history.availabilityDelaySeconds()).isEqualTo(60);
      assertThat(rec.attributeNames()).doesNotContain("@user_events").contains("device");
      String user = bundle.users().id(0);
      long shipped = Arrays.stream(bundle.history().users()).filter(u -> u == 0).count();
      assertThat(shipped).isPositive();
      assertThat(features(rec, user, null).get("user_events")).isEqualTo(encoded("user_events", shipped));
      assertThat(features(rec, user, null).get("item_events")).as("no candidate: item history is missing").isEqualTo(encoded("item_events", Double.NaN));

      Recommendations first = rec.recommend(RecommendRequest.of(user, 5));
      assertThat(rec.recommend(RecommendRequest.of(user, 5)).cached()).isTrue();
      float[] before = rec.userVector(user);

      String item = bundle.items().id(3);
      long itemShipped = Arrays.stream(bundle.history().items()).filter(i -> i == 3).count();
      LiveHistory.Receipt r = history.record(List.of(event(user, item, clock.seconds(), 100, 1)));
      assertThat(r.accepted()).isEqualTo(1);
      assertThat(r.unknownItems()).isZero();
      // the user's event makes every cached value of the user unreachable, even before it is visible
      assertThat(rec.recommend(RecommendRequest.of(user, 5)).cached()).isFalse();
      assertThat(rec.recommend(RecommendRequest.of(user, 5)).cached()).as("not cached while an event waits for the delay").isFalse();
      clock.advance(60); // exactly time + delay: still invisible (timestamp < now - delay is required)
      assertThat(features(rec, user, null).get("user_events")).isEqualTo(encoded("user_events", shipped));
      clock.advance(1);
      assertThat(features(rec, user, null).get("user_events")).isEqualTo(encoded("user_events", shipped + 1));
      assertThat(features(rec, user, null).get("since_last")).isEqualTo(encoded("since_last", 61 / 3600.0));
      assertThat(features(rec, user, item).get("item_events")).isEqualTo(encoded("item_events", itemShipped + 1));
      assertThat(rec.userVector(user)).isNotEqualTo(before);
      Recommendations after = rec.recommend(RecommendRequest.of(user, 5).withExplain(true));
      assertThat(after.cached()).isFalse();
      assertThat(rec.recommend(RecommendRequest.of(user, 5)).cached()).as("settled again: cached").isTrue();
      assertThat(after.items()).isNotNull();
      assertThat(first.items()).hasSize(5);
      // another user's cache is untouched by this user's event
      String other = bundle.users().id(1);
      rec.recommend(RecommendRequest.of(other, 5));
      history.record(List.of(event(user, item, clock.seconds(), 5, 0)));
      assertThat(rec.recommend(RecommendRequest.of(other, 5)).cached()).isTrue();
    }
  }

  @Test
  void labelsFollowTheDatasetsRuleAndNewUsersAndUnknownItemsAreKept() throws Exception {
    SettableClock clock = new SettableClock(last + 86_400);
    ServingConfig cfg = config(false).withHistory(new ServingConfig.History(1, 3600L));
    try (BundleRecommender rec = new BundleRecommender(bundle, cfg, null, clock)) {
      LiveHistory history = rec.history();
      assertThat(rec.recommend(RecommendRequest.of("newcomer", 5)).path()).isEqualTo(RecommendationPath.POPULARITY);
      long t = clock.seconds() - 600;
      LiveHistory.Receipt r = history.record(List.of(event("newcomer", bundle.items().id(0), t, 29.99, 0),
          event("newcomer", bundle.items().id(1), t + 1, 30, 1), event("newcomer", "not-in-the-catalogue", t + 2, 45, 1)));
      assertThat(r.newUsers()).isEqualTo(1);
      assertThat(r.unknownItems()).isEqualTo(1);
      assertThat(history.counts().unknownItems()).isEqualTo(1);
      Map<String, Object> f = features(rec, "newcomer", null);
      assertThat(f.get("user_events")).isEqualTo(encoded("user_events", 3));
      // 29.99 is below the rule's threshold, 30 and 45 are not: two positives
      assertThat(f.get("user_positives_7d")).isEqualTo(encoded("user_positives_7d", 2));
      double prior = transform.history().features().stream().filter(h -> h.name().equals("user_rate")).findFirst().orElseThrow().prior();
      assertThat(f.get("user_rate")).isEqualTo(encoded("user_rate", (float) ((2 + 5 * prior) / (3 + 5))));
      // the user tower reads the history: an unknown user with events is no longer a popularity case
      assertThat(rec.recommend(RecommendRequest.of("newcomer", 5)).path()).isEqualTo(RecommendationPath.COLD_FEATURES);

      assertThatThrownBy(() -> history.record(List.of(event("second-newcomer", bundle.items().id(0), t, 40, 1))))
          .isInstanceOf(LiveHistory.HistoryFullException.class).hasMessageContaining("max_new_users");
      assertThat(history.counts().refusedFull()).isEqualTo(1);
      assertThatThrownBy(() -> history.record(List.of(event("newcomer", bundle.items().id(0), clock.seconds() + 3601, 40, 1))))
          .isInstanceOf(ServedEvent.MalformedEventException.class).hasMessageContaining("time").hasMessageContaining("after the server's clock");
      assertThatThrownBy(() -> rec.inputs("newcomer", null, clock.seconds() + 10, Map.of())).hasMessageContaining("after the server's clock");
      assertThatThrownBy(() -> rec.inputs("newcomer", null, last, Map.of())).hasMessageContaining("cannot answer for the past");
    }
  }
}
