package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.bundle.ServingBundle;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint on loopback: contract, errors, metrics, and a bounded load test with concurrent clients. */
class RecommendServerTest {
  static ServingBundle bundle;
  static BundleRecommender recommender;
  static RecommendServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    bundle = Fixtures.bundle();
    recommender = new BundleRecommender(bundle);
    server = RecommendServer.start(recommender, "127.0.0.1", 0, 4);
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

  static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(server.uri() + pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return ConfigLoader.json().readTree(r.body());
  }

  @Test
  void recommendHealthAndErrors() throws Exception {
    assertThat(server.uri().getHost()).isEqualTo("127.0.0.1");
    String user = bundle.users().id(0);
    HttpResponse<String> r = get("/recommend?user=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&k=7&explain=true&device=tv");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode body = json(r);
    assertThat(body.get("items").size()).isEqualTo(7);
    assertThat(body.get("items").get(0).isTextual()).isTrue();
    assertThat(body.get("scores").size()).isEqualTo(7);
    assertThat(body.get("model").asText()).isEqualTo("recs");
    assertThat(body.get("version").asInt()).isEqualTo(1);
    assertThat(body.get("path").asText()).isEqualTo("known");
    assertThat(body.get("details").get(0).get("id").asText()).isEqualTo(body.get("items").get(0).asText());
    assertThat(body.get("explain").get("features").get("device").asText()).isEqualTo("tv");

    JsonNode cold = json(get("/recommend?user=stranger-1&k=5&country=de"));
    assertThat(cold.get("path").asText()).isEqualTo("cold_features");
    assertThat(cold.get("items").size()).isEqualTo(5);
    assertThat(json(get("/recommend?user=stranger-2")).get("path").asText()).isEqualTo("popularity");

    JsonNode health = json(get("/health"));
    assertThat(health.get("status").asText()).isEqualTo("ok");
    assertThat(health.get("version").asInt()).isEqualTo(1);

    for (String bad : List.of("/recommend", "/recommend?user=", "/recommend?user=1&k=abc", "/recommend?user=1&k=0", "/recommend?user=1&k=100000",
        "/recommend?user=1&shoe_size=44", "/recommend?user=1&user=2", "/recommend?user=1&explain=maybe")) {
      HttpResponse<String> e = get(bad);
      assertThat(e.statusCode()).as(bad).isEqualTo(400);
      assertThat(json(e).get("error").asText()).as(bad).isNotBlank();
    }
    // a malformed escape never leaves java.net.URI, so the decoder is checked directly
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RecommendServer.query("user=%zz"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/recommend?user=1"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(json(post).get("error").asText()).contains("GET");
  }

  @Test
  void concurrentClientsGetNoErrorsAndMetricsAddUp() throws Exception {
    int clients = 4;
    int perClient = 150;
    Map<String, Double> before = server.metrics().requestCounts();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<Map<Integer, Integer>>> futures = new ArrayList<>();
    try {
      for (int c = 0; c < clients; c++) {
        int seed = c;
        futures.add(pool.submit(() -> {
          Map<Integer, Integer> statuses = new TreeMap<>();
          for (int i = 0; i < perClient; i++) {
            int n = seed * perClient + i;
            String q = switch (n % 5) {
              case 0, 1, 2 -> "user=" + URLEncoder.encode(bundle.users().id(n % bundle.users().size()), StandardCharsets.UTF_8) + "&k=" + (1 + n % 20);
              case 3 -> "user=new-" + n + "&country=us&age=" + (18 + n % 50) + "&k=10";
              default -> "user=new-" + n + "&device=mobile";
            };
            HttpResponse<String> r = get("/recommend?" + q);
            statuses.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() == 200 && json(r).get("items").size() == 0) {
              statuses.merge(-1, 1, Integer::sum); // an empty answer counts as an error
            }
          }
          return statuses;
        }));
      }
      Map<Integer, Integer> all = new TreeMap<>();
      for (Future<Map<Integer, Integer>> f : futures) {
        f.get().forEach((k, v) -> all.merge(k, v, Integer::sum));
      }
      assertThat(all).containsOnlyKeys(200).containsEntry(200, clients * perClient);
    } finally {
      pool.shutdownNow();
    }
    Map<String, Double> after = server.metrics().requestCounts();
    assertThat(after.get("recommend 200") - before.getOrDefault("recommend 200", 0.0)).isEqualTo(clients * perClient);

    String metrics = get("/metrics").body();
    assertThat(metrics).contains("tandem_request_duration_seconds_bucket{endpoint=\"recommend\",le=\"0.005\"}")
        .contains("tandem_request_duration_seconds_count{endpoint=\"recommend\"}")
        .contains("tandem_requests_total{endpoint=\"recommend\",status=\"200\"}")
        .contains("tandem_cache_hits_total{cache=\"results\"}")
        .contains("tandem_cache_hit_ratio{cache=\"user_vectors\"}")
        .contains("tandem_model_version{model=\"recs\"} 1")
        .contains("tandem_recommendations_total{path=\"cold_features\"}");
  }
}
