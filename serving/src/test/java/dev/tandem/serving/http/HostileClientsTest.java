package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.bundle.ServingBundle;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that misbehave, on loopback against a real server and recommender: connections that never finish their
 * request, clients that leave before the answer, malformed query strings, requests that make the recommender fail, more
 * requests than the server takes, and a shutdown with requests in flight.
 */
class HostileClientsTest {
  private static final Logger LOG = LogManager.getLogger(HostileClientsTest.class);
  static ServingBundle bundle;
  static BundleRecommender recommender;

  @BeforeAll
  static void load() {
    bundle = Fixtures.bundle();
    recommender = new BundleRecommender(bundle);
  }

  @AfterAll
  static void close() {
    if (recommender != null) {
      recommender.close();
    }
  }

  private static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static HttpResponse<String> get(HttpClient http, URI server, String target) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server + target)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The request counters of /metrics by series (e.g. {@code tandem_requests_total{endpoint="recommend",status="400"}}). */
  private static Map<String, Double> counters(URI server) throws IOException {
    RawHttp.Response r = RawHttp.get(server, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    Map<String, Double> out = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^(tandem_(?:requests|requests_rejected|client_disconnects|connections_closed)_total\\{[^}]*\\}) (\\S+)$").matcher(r.body());
    while (m.find()) {
      if (!m.group(1).contains("endpoint=\"metrics\"")) {
        out.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return out;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
    return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
  }

  /**
   * The counters once {@code series} has grown by {@code expected} since {@code before} (or after 10 s): a request is
   * counted when its answer has been written, which may be just after the client has read it.
   */
  private static Map<String, Double> countersOnce(URI server, Map<String, Double> before, String series, double expected)
      throws Exception {
    Map<String, Double> after = counters(server);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (delta(before, after, series) < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
      after = counters(server);
    }
    return after;
  }

  private static String user(int i) {
    return URLEncoder.encode(bundle.users().id(i % bundle.users().size()), StandardCharsets.UTF_8);
  }

  @Test
  void fiftyConnectionsThatNeverFinishTheirHeadersDoNotStarveOrdinaryRequests() throws Exception {
    // 4 request threads, as the JDK server had; a read timeout longer than the test, so the 50 stay open throughout
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(4).withReadTimeout(Duration.ofSeconds(120));
    try (RecommendServer server = RecommendServer.start(recommender, "127.0.0.1", 0, settings)) {
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 50; i++) {
          Socket s = RawHttp.connect(server.uri());
          RawHttp.send(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + i + "\r\n"); // the blank line never comes
          slow.add(s);
        }
        HttpClient http = client();
        for (int i = 0; i < 100; i++) { // warm-up: JIT, connection pool, and the result cache for the users asked below
          assertThat(get(http, server.uri(), i % 2 == 0 ? "/health" : "/recommend?user=" + user(i / 2 % 20) + "&k=10").statusCode()).isEqualTo(200);
        }
        Histogram recommend = new Histogram(60_000_000_000L, 3);
        Histogram health = new Histogram(60_000_000_000L, 3);
        for (int i = 0; i < 400; i++) {
          boolean rec = i % 2 == 1;
          long t0 = System.nanoTime();
          HttpResponse<String> r = get(http, server.uri(), rec ? "/recommend?user=" + user(i / 2 % 20) + "&k=10" : "/health");
          long took = System.nanoTime() - t0;
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          (rec ? recommend : health).recordValue(took);
        }
        LOG.info("with 50 unfinished requests open: /recommend p50 {} ms, p99 {} ms, max {} ms; /health p50 {} ms, p99 {} ms, max {} ms",
            ms(recommend, 50), ms(recommend, 99), recommend.getMaxValue() / 1e6, ms(health, 50), ms(health, 99), health.getMaxValue() / 1e6);
        assertThat(ms(recommend, 99)).as("/recommend p99 ms").isLessThan(50);
        assertThat(ms(health, 99)).as("/health p99 ms").isLessThan(50);
        int open = 0;
        for (Socket s : slow) {
          s.setSoTimeout(1);
          try {
            if (s.getInputStream().read() < 0) {
              continue; // closed by the server
            }
          } catch (SocketTimeoutException stillOpen) {
            open++;
          } catch (IOException reset) {
            continue;
          }
        }
        assertThat(open).as("slow connections still open during the measurement").isEqualTo(50);
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1e6;
  }

  @Test
  void aClientThatLeavesBeforeTheAnswerIsADisconnectNotAnError() throws Exception {
    ControlledRecommender controlled = new ControlledRecommender(recommender);
    try (CapturedLogs logs = new CapturedLogs(); RecommendServer server = RecommendServer.start(controlled, "127.0.0.1", 0, 4)) {
      Map<String, Double> before = counters(server.uri());
      int clients = 3;
      List<Socket> leaving = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Socket s = RawHttp.connect(server.uri());
        RawHttp.send(s, "GET /recommend?user=" + ControlledRecommender.HOLD + "-" + i + "&k=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        leaving.add(s);
      }
      controlled.awaitHeld(clients);
      for (Socket s : leaving) {
        s.setSoLinger(true, 0); // a reset, as a client that gives up does
        s.close();
      }
      Thread.sleep(200); // let the resets arrive before the answers are written
      controlled.release();
      Map<String, Double> after = countersOnce(server.uri(), before, "tandem_client_disconnects_total{endpoint=\"recommend\"}", clients);
      assertThat(delta(before, after, "tandem_client_disconnects_total{endpoint=\"recommend\"}")).isEqualTo(clients);
      assertThat(delta(before, after, "tandem_requests_total{endpoint=\"recommend\",status=\"500\"}")).isZero();
      assertThat(delta(before, after, "tandem_requests_total{endpoint=\"recommend\",status=\"200\"}")).isZero();
      assertThat(logs.events()).as("no error and no stack trace for a client that left")
          .noneMatch(e -> e.level().isMoreSpecificThan(Level.ERROR) || e.thrown() != null);
    }
  }

  @Test
  void malformedPercentEncodingIsAJsonBadRequestThatIsCounted() throws Exception {
    try (RecommendServer server = RecommendServer.start(recommender, "127.0.0.1", 0, 2)) {
      Map<String, Double> before = counters(server.uri());
      RawHttp.Response zz = RawHttp.get(server.uri(), "/recommend?user=%zz&k=5");
      assertThat(zz.status()).isEqualTo(400);
      assertThat(zz.headers().get("content-type")).startsWith("application/json");
      JsonNode e1 = Persisted.json().readTree(zz.body());
      assertThat(e1.get("error").asText()).contains("%zz").contains("percent-encoding").contains("user");
      RawHttp.Response trailing = RawHttp.get(server.uri(), "/recommend?user=42&k=5%");
      assertThat(trailing.status()).isEqualTo(400);
      JsonNode e2 = Persisted.json().readTree(trailing.body());
      assertThat(e2.get("error").asText()).contains("'5%'").contains("k").contains("incomplete");
      RawHttp.Response half = RawHttp.get(server.uri(), "/recommend?user=a%4&k=5");
      assertThat(half.status()).isEqualTo(400);
      assertThat(Persisted.json().readTree(half.body()).get("error").asText()).contains("'a%4'");
      String bad = "tandem_requests_total{endpoint=\"recommend\",status=\"400\"}";
      assertThat(delta(before, countersOnce(server.uri(), before, bad, 3), bad)).isEqualTo(3);
    }
  }

  @Test
  void anInternalErrorShowsAnIdAndLogsTheDetailUnderIt() throws Exception {
    ControlledRecommender controlled = new ControlledRecommender(recommender);
    try (CapturedLogs logs = new CapturedLogs(); RecommendServer server = RecommendServer.start(controlled, "127.0.0.1", 0, 2)) {
      Map<String, Double> before = counters(server.uri());
      RawHttp.Response r = RawHttp.get(server.uri(), "/recommend?user=" + ControlledRecommender.FAIL);
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.body()).doesNotContain(ControlledRecommender.SECRET).doesNotContain("Exception");
      JsonNode body = Persisted.json().readTree(r.body());
      assertThat(body.get("error").asText()).isEqualTo("internal error");
      String id = body.get("id").asText();
      assertThat(id).isNotBlank();
      assertThat(logs.events()).as("the detail, with its stack trace, logged under the id").anySatisfy(e -> {
        assertThat(e.level()).isEqualTo(Level.ERROR);
        assertThat(e.message()).contains(id);
        assertThat(e.thrown()).isNotNull().hasMessageContaining(ControlledRecommender.SECRET);
      });
      String failed = "tandem_requests_total{endpoint=\"recommend\",status=\"500\"}";
      assertThat(delta(before, countersOnce(server.uri(), before, failed, 1), failed)).isEqualTo(1);
    }
  }

  @Test
  void closeLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
    ControlledRecommender controlled = new ControlledRecommender(recommender);
    RecommendServer server = RecommendServer.start(controlled, "127.0.0.1", 0, 4);
    URI uri = server.uri();
    HttpClient http = client();
    try (Socket keptAlive = RawHttp.connect(uri)) {
      RawHttp.send(keptAlive, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(RawHttp.read(keptAlive.getInputStream()).status()).isEqualTo(200);

      CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create(uri + "/recommend?user="
          + ControlledRecommender.HOLD + "&k=3")).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
      controlled.awaitHeld(1);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

      // new connections are refused once the drain has begun
      long deadline = System.nanoTime() + 10_000_000_000L;
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try (Socket probe = RawHttp.connect(uri)) {
          Thread.sleep(20);
        } catch (ConnectException e) {
          refused = true;
        }
      }
      assertThat(refused).as("new connections refused while draining").isTrue();
      // a request on a connection that was already open is answered, with 503 and a reason
      RawHttp.send(keptAlive, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      RawHttp.Response late = RawHttp.read(keptAlive.getInputStream());
      assertThat(late.status()).isEqualTo(503);
      assertThat(Persisted.json().readTree(late.body()).get("error").asText()).contains("shutting down");
      assertThat(closing).as("close waits for the request in flight").isNotDone();

      controlled.release();
      HttpResponse<String> answered = inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
      assertThat(Persisted.json().readTree(answered.body()).get("items").size()).isEqualTo(3);
      closing.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      controlled.release();
      server.close();
    }
  }

  @Test
  void aRequestThatDoesNotArriveWithinTheReadTimeoutClosesItsConnection() throws Exception {
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(2).withReadTimeout(Duration.ofMillis(400));
    try (RecommendServer server = RecommendServer.start(recommender, "127.0.0.1", 0, settings)) {
      Map<String, Double> before = counters(server.uri());
      // one byte of header every 100 ms: never idle, but the request as a whole takes too long
      try (Socket slow = RawHttp.connect(server.uri())) {
        RawHttp.send(slow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        slow.setSoTimeout(100);
        long t0 = System.nanoTime();
        boolean closed = false;
        for (int i = 0; i < 100 && !closed; i++) {
          try {
            RawHttp.send(slow, "X");
            closed = slow.getInputStream().read() < 0;
          } catch (SocketTimeoutException stillOpen) {
            // go on dripping
          } catch (IOException reset) {
            closed = true;
          }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(closed).as("closed by the server").isTrue();
        assertThat(seconds).as("seconds until closed").isLessThan(5);
      }
      assertThat(RawHttp.get(server.uri(), "/health").status()).isEqualTo(200);
      assertThat(delta(before, counters(server.uri()), "tandem_connections_closed_total{reason=\"read_timeout\"}")).isEqualTo(1);
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(2).withIdleTimeout(Duration.ofMillis(300));
    try (RecommendServer server = RecommendServer.start(recommender, "127.0.0.1", 0, settings); Socket s = RawHttp.connect(server.uri())) {
      RawHttp.send(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
      s.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      assertThat(s.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
      assertThat(counters(server.uri())).containsEntry("tandem_connections_closed_total{reason=\"idle_timeout\"}", 1.0);
    }
  }

  @Test
  void requestsBeyondTheThreadsAndTheQueueGetA503AndAreCounted() throws Exception {
    ControlledRecommender controlled = new ControlledRecommender(recommender);
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(1).withQueue(1);
    try (RecommendServer server = RecommendServer.start(controlled, "127.0.0.1", 0, settings)) {
      Map<String, Double> before = counters(server.uri());
      HttpClient http = client();
      List<CompletableFuture<HttpResponse<String>>> served = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        served.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.uri() + "/recommend?user=" + ControlledRecommender.HOLD + i
            + "&k=4")).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString()));
        if (i == 0) {
          controlled.awaitHeld(1); // the one thread is taken
        }
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (server.pool().getQueue().size() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.pool().getQueue()).as("the second request waits in the queue").hasSize(1);

      RawHttp.Response refused = RawHttp.get(server.uri(), "/recommend?user=" + user(1) + "&k=4");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(Persisted.json().readTree(refused.body()).get("error").asText()).contains("busy");
      assertThat(refused.headers()).containsKey("retry-after");
      assertThat(RawHttp.get(server.uri(), "/health").status()).as("health is answered while the pool is full").isEqualTo(200);

      controlled.release();
      for (CompletableFuture<HttpResponse<String>> f : served) {
        HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      Map<String, Double> after = countersOnce(server.uri(), before, "tandem_requests_total{endpoint=\"recommend\",status=\"200\"}", 2);
      assertThat(delta(before, after, "tandem_requests_total{endpoint=\"recommend\",status=\"503\"}")).isEqualTo(1);
      assertThat(delta(before, after, "tandem_requests_rejected_total{reason=\"overloaded\"}")).isEqualTo(1);
      assertThat(delta(before, after, "tandem_requests_total{endpoint=\"recommend\",status=\"200\"}")).isEqualTo(2);
    }
  }

  @Test
  void theDrainWaitsNoLongerThanItsTimeout() throws Exception {
    ControlledRecommender controlled = new ControlledRecommender(recommender);
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(2).withDrainTimeout(Duration.ofMillis(500));
    RecommendServer server = RecommendServer.start(controlled, "127.0.0.1", 0, settings);
    try (Socket s = RawHttp.connect(server.uri())) {
      RawHttp.send(s, "GET /recommend?user=" + ControlledRecommender.HOLD + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      controlled.awaitHeld(1);
      long t0 = System.nanoTime();
      server.close(); // the held request never finishes in time
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(seconds).as("seconds in close()").isBetween(0.4, 8.0);
      s.setSoTimeout(10_000);
      int b;
      try {
        b = s.getInputStream().read();
      } catch (IOException reset) {
        b = -1;
      }
      assertThat(b).as("the cut-off request's connection is closed, unanswered").isEqualTo(-1);
    } finally {
      controlled.release();
      server.close(); // again: harmless
    }
  }
}
