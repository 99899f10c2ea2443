package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.SettableClock;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.HistoryEvents;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No training/serving skew: a server whose bundle was exported at the end of the train split is fed the validation and
 * test events over HTTP in time order, its clock set to each event's time; before each event is fed, the features the
 * server computes for that (user, item, time) equal, value for value, the features preparation wrote for that event.
 */
class HistorySkewTest {
  /** Numbers read exactly: a float the server wrote is parsed from its decimal text, not through a double. */
  private static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @Test
  void theServerComputesThePreparedFeaturesOfEveryLaterEvent() throws Exception {
    ServingBundle full = Fixtures.historyBundle();
    PreparedDataset ds = Fixtures.historyRuns().dataset();
    int trained = ds.read(SplitName.TRAIN).size();
    EventBatch later = EventBatch.concat(List.of(ds.read(SplitName.VALIDATION), ds.read(SplitName.TEST)));
    HistoryEvents all = full.history();
    assertThat(all.size()).isEqualTo(trained + later.size());
    HistoryEvents trainOnly = new HistoryEvents(Arrays.copyOf(all.users(), trained), Arrays.copyOf(all.items(), trained),
        Arrays.copyOf(all.timestamps(), trained), Arrays.copyOf(all.labels(), trained), Map.of("click", Arrays.copyOf(all.source("click"),
        trained)), all.labelRule());
    ServingBundle bundle = full.withHistory(trainOnly);
    SettableClock clock = new SettableClock(later.timestamp()[0]);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int compared = 0;
    int listsCompared = 0;
    try (BundleRecommender rec = new BundleRecommender(bundle, ServingConfig.defaults(), null, clock);
        RecommendServer server = RecommendServer.start(rec, "127.0.0.1", 0, 2)) {
      List<String> names = rec.history().featureNames();
      assertThat(names).containsExactly("user_events", "user_positives_7d", "user_rate", "user_click_rate", "since_last", "item_events",
          "item_rate_30d", "recent", "affinity");
      float[] watch = later.signals().get("watch_seconds");
      float[] click = later.signals().get("click");
      for (int i = 0; i < later.size(); i++) {
        long t = later.timestamp()[i];
        clock.set(t);
        String user = ds.users().id(later.user()[i]);
        String item = ds.items().id(later.item()[i]);
        HttpResponse<String> got = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/features?user=" + enc(user) + "&item="
            + enc(item) + "&time=" + t)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
        JsonNode f = EXACT.readTree(got.body()).get("features");
        for (String name : names) {
          EncodedColumn want = later.context().column(name);
          JsonNode v = f.get(name);
          if (want instanceof EncodedColumn.Index x) {
            assertThat(v.asInt()).as("%s of event %d (user %s, item %s, time %d)", name, i, user, item, t).isEqualTo(x.values()[i]);
          } else if (want instanceof EncodedColumn.MultiIndex m) {
            List<Integer> items = new java.util.ArrayList<>();
            v.forEach(e -> items.add(e.asInt()));
            assertThat(items).as("%s of event %d (user %s, item %s, time %d)", name, i, user, item, t)
                .isEqualTo(Arrays.stream(m.values(), m.offsets()[i], m.offsets()[i + 1]).boxed().toList());
            listsCompared += m.offsets()[i + 1] - m.offsets()[i];
          } else {
            float w = ((EncodedColumn.Real) want).values()[i];
            float g = v.isNull() ? Float.NaN : Float.parseFloat(v.decimalValue().toString());
            assertThat(g).as("%s of event %d (user %s, item %s, time %d)", name, i, user, item, t).isEqualTo(w);
          }
          compared++;
        }
        String event = "{\"user\": \"" + user + "\", \"item\": \"" + item + "\", \"time\": " + t + ", \"watch_seconds\": " + watch[i]
            + ", \"click\": " + click[i] + "}";
        HttpResponse<String> posted = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/events"))
            .POST(HttpRequest.BodyPublishers.ofString(event)).header("Content-Type", "application/json").build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      }
      assertThat(rec.history().counts().accepted()).isEqualTo(later.size());
    }
    assertThat(compared).isEqualTo(9 * later.size());
    assertThat(listsCompared).as("items listed in recent").isGreaterThan(later.size());
    assertThat(later.size()).isGreaterThan(1000);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
