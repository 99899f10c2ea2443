package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
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
    return Persisted.json().readTree(r.body());
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
    // java.net.http will not send a malformed escape: the decoder is checked here, the server in HostileClientsTest
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> QueryString.parse("user=%zz"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/recommend?user=1"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(json(post).get("error").asText()).contains("GET");
  }

  /** One request of the load test and what it must get: a status and, for answered recommendations, k and the path. */
  private record Call(String method, String target, int status, int k, String path) {
    String endpoint() {
      return target.startsWith("/recommend") ? "recommend" : target.startsWith("/health") ? "health" : "other";
    }
  }

  private static final List<String> BAD = List.of("/recommend", "/recommend?user=", "/recommend?k=5", "/recommend?user=1&k=abc",
      "/recommend?user=1&k=0", "/recommend?user=1&k=-3", "/recommend?user=1&k=100000", "/recommend?user=1&shoe_size=44",
      "/recommend?user=1&user=2", "/recommend?user=1&explain=maybe");

  /** The n-th request of the load: known users (some with context or exclusions), unknown users, and bad requests. */
  private static Call call(int n) {
    String known = URLEncoder.encode(bundle.users().id(n % bundle.users().size()), StandardCharsets.UTF_8);
    int k = 1 + n % 20;
    return switch (n % 12) {
      case 0, 1, 2 -> new Call("GET", "/recommend?user=" + known + "&k=" + k, 200, k, "known");
      case 3 -> new Call("GET", "/recommend?user=" + known + "&k=" + k + "&device=" + (n % 2 == 0 ? "tv" : "mobile") + "&explain=true",
          200, k, "known");
      case 4 -> new Call("GET", "/recommend?user=" + known + "&k=" + k + "&exclude="
          + URLEncoder.encode(bundle.items().id(n % bundle.items().size()), StandardCharsets.UTF_8), 200, k, "known");
      case 5 -> new Call("GET", "/recommend?user=new-" + n + "&country=" + (n % 3 == 0 ? "us" : "de") + "&age=" + (18 + n % 50) + "&k=" + k,
          200, k, "cold_features");
      case 6 -> new Call("GET", "/recommend?user=new-" + n + "&device=mobile&k=" + k, 200, k, "popularity");
      case 7 -> new Call("GET", "/recommend?user=new-" + n, 200, 10, "popularity");
      case 8, 9 -> new Call("GET", BAD.get(n % BAD.size()), 400, 0, null);
      case 10 -> new Call("GET", n % 2 == 0 ? "/health" : "/no/such/endpoint", n % 2 == 0 ? 200 : 404, 0, null);
      default -> new Call("POST", "/recommend?user=" + known, 405, 0, null);
    };
  }

  @Test
  void concurrentClientsGetNoErrorsAndMetricsAddUp() throws Exception {
    int clients = 6;
    int perClient = 350;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    Map<String, Double> before = scrape(http);
    Map<String, Double> expected = new TreeMap<>();
    for (int n = 0; n < clients * perClient; n++) {
      Call c = call(n);
      expected.merge("tandem_requests_total{endpoint=\"" + c.endpoint() + "\",status=\"" + c.status() + "\"}", 1.0, Double::sum);
      expected.merge("tandem_request_duration_seconds_count{endpoint=\"" + c.endpoint() + "\"}", 1.0, Double::sum);
      if (c.path() != null) {
        expected.merge("tandem_recommendations_total{path=\"" + c.path() + "\"}", 1.0, Double::sum);
      }
    }

    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger transportErrors = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perClient; i++) {
            Call call = call(i * clients + client); // the clients interleave over the same sequence of requests
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + call.target())).timeout(Duration.ofSeconds(10));
            HttpResponse<String> r;
            try {
              r = http.send(call.method().equals("GET") ? b.GET().build() : b.POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                  HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
              transportErrors.incrementAndGet();
              failures.add(call.method() + " " + call.target() + ": " + e);
              continue;
            }
            String problem = check(call, r);
            if (problem != null) {
              failures.add(call.method() + " " + call.target() + ": " + problem);
            } else {
              answered.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(transportErrors.get()).as("transport errors: %s", failures).isZero();
    assertThat(failures).as("requests answered wrongly").isEmpty();
    assertThat(answered.get()).isEqualTo(clients * perClient);

    // the server counts a request after its response is written, so the last few may still be on their way
    Map<String, Double> delta = Map.of();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      delta = delta(before, scrape(http));
      if (delta.equals(expected)) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(delta).as("request counts in /metrics against the requests sent").isEqualTo(expected);

    String metrics = get("/metrics").body();
    assertThat(metrics).contains("tandem_request_duration_seconds_bucket{endpoint=\"recommend\",le=\"0.005\"}")
        .contains("tandem_cache_hits_total{cache=\"results\"}")
        .contains("tandem_cache_hit_ratio{cache=\"user_vectors\"}")
        .contains("tandem_model_version{model=\"recs\"} 1");
  }

  /** Why a response is not what the call must get, or null if it is. */
  private static String check(Call call, HttpResponse<String> r) {
    if (r.statusCode() != call.status()) {
      return "status " + r.statusCode() + " (expected " + call.status() + "): " + r.body();
    }
    JsonNode body;
    try {
      body = json(r);
    } catch (Exception e) {
      return "not JSON (" + e.getMessage() + "): " + r.body();
    }
    if (!r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
      return "Content-Type " + r.headers().firstValue("Content-Type");
    }
    if (call.status() >= 400) {
      return body.path("error").asText().isBlank() || body.path("status").asInt() != call.status() ? "no JSON error: " + r.body() : null;
    }
    if (call.path() == null) {
      return body.path("status").asText().equals("ok") ? null : "unhealthy: " + r.body();
    }
    JsonNode items = body.get("items");
    if (items == null || !items.isArray() || items.size() != call.k() || body.path("scores").size() != call.k()) {
      return "expected " + call.k() + " items and scores: " + r.body();
    }
    return body.path("path").asText().equals(call.path()) ? null : "path " + body.path("path").asText() + " (expected " + call.path() + ")";
  }

  /** The series of /metrics this test counts (request counts, latency counts, answers by path), by name and labels. */
  private static Map<String, Double> scrape(HttpClient http) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Double> out = new TreeMap<>();
    java.util.regex.Pattern line = java.util.regex.Pattern.compile(
        "^((?:tandem_requests_total|tandem_request_duration_seconds_count|tandem_recommendations_total)\\{[^}]*\\}) (\\S+)$");
    for (String l : r.body().split("\n")) {
      java.util.regex.Matcher m = line.matcher(l);
      if (m.matches() && !m.group(1).contains("endpoint=\"metrics\"")) {
        out.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return out;
  }

  private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> out = new TreeMap<>();
    after.forEach((key, v) -> {
      double d = v - before.getOrDefault(key, 0.0);
      if (d != 0) {
        out.put(key, d);
      }
    });
    return out;
  }
}
