package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.SettableClock;
import dev.tandem.serving.bundle.ServingBundle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /events and GET /features on loopback: the contract, what a malformed event gets, and what /metrics counts. */
class EventsEndpointTest {
  static ServingBundle bundle;
  static SettableClock clock;
  static BundleRecommender recommender;
  static RecommendServer server;
  static HttpClient client;
  static long now;

  @BeforeAll
  static void start() throws Exception {
    bundle = Fixtures.historyBundle();
    now = bundle.history().lastTimestamp() + 86_400;
    clock = new SettableClock(now);
    recommender = new BundleRecommender(bundle, ServingConfig.defaults(), null, clock);
    server = RecommendServer.start(recommender, "127.0.0.1", 0, 2);
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (recommender != null) {
      recommender.close();
    }
  }

  static HttpResponse<String> post(RecommendServer s, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(s.uri() + "/events")).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(server.uri() + pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return Persisted.json().readTree(r.body());
  }

  /** A 400 whose message and "field" name the field at fault. */
  static void refused(String body, String field, String says) throws Exception {
    HttpResponse<String> r = post(server, body);
    assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
    JsonNode j = json(r);
    assertThat(j.get("field").asText()).isEqualTo(field);
    assertThat(j.get("error").asText()).startsWith(field + ": ").contains(says);
  }

  @Test
  void eventsAreRecordedAndMalformedOnesNameTheirField() throws Exception {
    String user = bundle.users().id(4);
    String item = bundle.items().id(2);
    long accepted = recommender.history().counts().accepted();
    HttpResponse<String> one = post(server, "{\"user\": \"" + user + "\", \"item\": \"" + item + "\", \"time\": " + (now - 100)
        + ", \"watch_seconds\": 50, \"click\": 1}");
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    assertThat(one.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode receipt = json(one);
    assertThat(receipt.get("accepted").asInt()).isEqualTo(1);
    assertThat(receipt.get("unknown_items").asInt()).isZero();
    assertThat(receipt.get("new_users").asInt()).isZero();
    assertThat(receipt.get("as_of").asLong()).isEqualTo(now);

    // the batch form, ISO-8601 times, numeric ids, a default time, an item the catalogue does not have
    HttpResponse<String> batch = post(server, "{\"events\": [{\"user\": \"" + user + "\", \"item\": \"" + item
        + "\", \"time\": \"2024-02-01T00:00:00Z\", \"watch_seconds\": \"12.5\"}, {\"user\": 123456, \"item\": \"brand-new-item\","
        + " \"watch_seconds\": 31}]}");
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    assertThat(json(batch).get("accepted").asInt()).isEqualTo(2);
    assertThat(json(batch).get("unknown_items").asInt()).isEqualTo(1);
    assertThat(json(batch).get("new_users").asInt()).isEqualTo(1);
    assertThat(post(server, "[{\"user\": \"a\", \"item\": \"" + item + "\", \"watch_seconds\": 1}]").statusCode()).isEqualTo(200);
    assertThat(recommender.history().counts().accepted()).isEqualTo(accepted + 4);

    refused("{\"user\": \"" + user + "\", \"item\": \"" + item + "\"}", "watch_seconds", "required");
    refused("{\"user\": \"" + user + "\", \"item\": \"" + item + "\", \"watch_seconds\": \"long\"}", "watch_seconds", "must be a number");
    refused("{\"user\": \"" + user + "\", \"item\": \"" + item + "\", \"watch_seconds\": 1e300}", "watch_seconds", "32-bit float");
    refused("{\"item\": \"" + item + "\", \"watch_seconds\": 3}", "user", "required");
    refused("{\"user\": \" \", \"item\": \"" + item + "\", \"watch_seconds\": 3}", "user", "empty");
    refused("{\"user\": \"u\", \"item\": [1], \"watch_seconds\": 3}", "item", "must be a string");
    refused("{\"user\": \"u\", \"item\": \"x\", \"time\": \"yesterday\", \"watch_seconds\": 3}", "time", "ISO-8601");
    refused("{\"user\": \"u\", \"item\": \"x\", \"time\": 1.5, \"watch_seconds\": 3}", "time", "whole epoch seconds");
    refused("{\"user\": \"u\", \"item\": \"x\", \"time\": " + (now + 90_000) + ", \"watch_seconds\": 3}", "time", "after the server's clock");
    refused("{\"user\": \"u\", \"item\": \"x\", \"rating\": 3, \"watch_seconds\": 3}", "rating", "unknown field");
    refused("{\"events\": [{\"user\": \"u\", \"item\": \"x\", \"watch_seconds\": 3}, {\"user\": \"u\", \"item\": \"x\"}]}",
        "events[1].watch_seconds", "required");
    refused("{\"user\": ", "body", "not JSON");
    refused("", "body", "empty");
    refused("{\"events\": []}", "events", "empty");
    assertThat(recommender.history().counts().accepted()).as("a refused batch records nothing").isEqualTo(accepted + 4);

    HttpResponse<String> wrongMethod = get("/events");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");

    String metrics = get("/metrics").body();
    assertThat(metrics).contains("tandem_events_accepted_total " + (double) (accepted + 4));
    assertThat(metrics).contains("tandem_events_unknown_items_total 1.0");
    assertThat(metrics).contains("tandem_events_rejected_total{reason=\"malformed\"} 14.0");
    assertThat(metrics).contains("tandem_history_events{source=\"bundle\"} " + (double) bundle.history().size());
    assertThat(metrics).contains("tandem_history_new_users 2.0");
    assertThat(metrics).contains("tandem_requests_total{endpoint=\"events\",status=\"400\"} 14.0");
  }

  @Test
  void featuresShowTheEncodedInputsAndRefuseWhatTheyCannotAnswer() throws Exception {
    String user = bundle.users().id(7);
    JsonNode f = json(get("/features?user=" + user + "&item=" + bundle.items().id(1) + "&device=tv"));
    assertThat(f.get("time").asLong()).isEqualTo(clock.seconds());
    assertThat(f.get("path").asText()).isEqualTo("known");
    assertThat(f.get("availability_delay_seconds").asLong()).isEqualTo(60);
    JsonNode features = f.get("features");
    for (String name : new String[] {"user_id", "country", "age", "item_id", "category", "tags", "device", "user_events", "item_events",
        "since_last"}) {
      assertThat(features.has(name)).as(name).isTrue();
    }
    assertThat(features.get("tags").isArray()).isTrue();
    assertThat(json(get("/features?user=" + user)).get("features").has("item_id")).as("no item: the user tower's view").isFalse();
    assertThat(get("/features?user=" + user + "&item=nope").statusCode()).isEqualTo(400);
    assertThat(json(get("/features?item=x")).get("error").asText()).contains("'user' is required");
    assertThat(json(get("/features?user=" + user + "&time=" + (clock.seconds() + 5))).get("error").asText()).contains("after the server's clock");
    assertThat(json(get("/features?user=" + user + "&time=soon")).get("field").asText()).isEqualTo("time");
    assertThat(json(get("/features?user=" + user + "&shoe=44")).get("error").asText()).contains("unknown attribute 'shoe'");
  }

  @Test
  void aModelWithoutHistoryFeaturesTakesNoEvents() throws Exception {
    try (BundleRecommender plain = new BundleRecommender(Fixtures.bundle());
        RecommendServer s = RecommendServer.start(plain, "127.0.0.1", 0, 1)) {
      HttpResponse<String> r = post(s, "{\"user\": \"u1\", \"item\": \"i1\", \"watch_seconds\": 3}");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(json(r).get("error").asText()).contains("has no history features");
      String metrics = client.send(HttpRequest.newBuilder(URI.create(s.uri() + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString())
          .body();
      assertThat(metrics).doesNotContain("tandem_events_accepted_total ").doesNotContain("tandem_history_events{");
    }
  }
}
