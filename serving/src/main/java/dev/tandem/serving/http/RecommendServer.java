package dev.tandem.serving.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.config.ConfigException;
import dev.tandem.format.Persisted;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP endpoint (the JDK's built-in server), bound to 127.0.0.1 unless told otherwise:
 *
 * <ul>
 *   <li>{@code GET /recommend?user=ID&k=10[&explain=true][&exclude=i1,i2][&ATTRIBUTE=value...]}: the recommendations as
 *       JSON ({@link Recommendations}); attributes are context features (e.g. device) and, for users the model does not
 *       know, user features (e.g. country); an unknown user is served by the cold-start path, never an error;</li>
 *   <li>{@code GET /health}: {@code {"status": "ok", "model": ..., "version": ...}};</li>
 *   <li>{@code GET /metrics}: Prometheus text format (see {@link ServingMetrics}).</li>
 * </ul>
 *
 * A malformed request gets a 4xx status with {@code {"error": "..."}}.
 */
public final class RecommendServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(RecommendServer.class);
  private static final ObjectMapper JSON = Persisted.json();
  private static final Set<String> RESERVED = Set.of("user", "k", "explain", "exclude");

  private final Recommender recommender;
  private final ServingMetrics metrics;
  private final HttpServer server;
  private final ExecutorService pool;

  private RecommendServer(Recommender recommender, HttpServer server, ExecutorService pool) {
    this.recommender = recommender;
    this.metrics = new ServingMetrics(recommender);
    this.server = server;
    this.pool = pool;
  }

  /** Starts serving on {@code host:port} (port 0: any free port) with {@code threads} request threads. */
  public static RecommendServer start(Recommender recommender, String host, int port, int threads) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 256);
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "tandem-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    RecommendServer s = new RecommendServer(recommender, server, pool);
    server.setExecutor(pool);
    server.createContext("/", s::handle);
    server.start();
    LOG.info("serving {} v{} on http://{}:{}", recommender.model(), recommender.version(), host, server.getAddress().getPort());
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public URI uri() {
    return URI.create("http://" + server.getAddress().getHostString() + ":" + port());
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  private void handle(HttpExchange ex) {
    long t0 = System.nanoTime();
    String path = ex.getRequestURI().getPath();
    String endpoint = switch (path) {
      case "/recommend", "/health", "/metrics" -> path.substring(1);
      default -> "other";
    };
    int status;
    try {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET");
        status = error(ex, 405, "method " + ex.getRequestMethod() + " is not allowed; use GET");
      } else {
        status = switch (endpoint) {
          case "recommend" -> recommend(ex);
          case "health" -> json(ex, 200, Map.of("status", "ok", "model", recommender.model(), "version", recommender.version(),
              "items", recommender.catalogueSize()));
          case "metrics" -> metrics(ex);
          default -> error(ex, 404, "no such endpoint " + path + "; endpoints: /recommend, /health, /metrics");
        };
      }
    } catch (IllegalArgumentException | ConfigException e) {
      status = error(ex, 400, e.getMessage());
    } catch (RuntimeException | IOException e) {
      LOG.error("request {} failed", ex.getRequestURI(), e);
      status = error(ex, 500, "internal error: " + e);
    } finally {
      ex.close();
    }
    metrics.observe(endpoint, status, System.nanoTime() - t0);
  }

  private int recommend(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    String user = q.get("user");
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("the parameter 'user' is required, e.g. /recommend?user=42&k=10");
    }
    int k = 10;
    if (q.containsKey("k")) {
      try {
        k = Integer.parseInt(q.get("k").trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("k must be an integer, was '" + q.get("k") + "'");
      }
    }
    boolean explain = false;
    if (q.containsKey("explain")) {
      String e = q.get("explain").trim().toLowerCase(java.util.Locale.ROOT);
      if (!e.equals("true") && !e.equals("false") && !e.isEmpty()) {
        throw new IllegalArgumentException("explain must be true or false, was '" + q.get("explain") + "'");
      }
      explain = !e.equals("false");
    }
    Set<String> exclude = new LinkedHashSet<>();
    if (q.containsKey("exclude") && !q.get("exclude").isBlank()) {
      exclude.addAll(Arrays.asList(q.get("exclude").split(",")));
    }
    Map<String, String> attributes = new LinkedHashMap<>(q);
    attributes.keySet().removeAll(RESERVED);
    Recommendations r = recommender.recommend(new RecommendRequest(user, k, attributes, exclude, explain, true));
    metrics.answered(r.path());
    return json(ex, 200, r);
  }

  /** Query parameters, decoded; a parameter given twice is an error rather than a silent choice. */
  static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decode(part.substring(eq + 1));
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException("parameter '" + name + "' is given more than once");
      }
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed URL encoding in '" + s + "'");
    }
  }

  private int metrics(HttpExchange ex) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    metrics.write(body);
    return send(ex, 200, ServingMetrics.contentType(), body.toByteArray());
  }

  private static int json(HttpExchange ex, int status, Object value) throws IOException {
    return send(ex, status, "application/json", JSON.writeValueAsBytes(value));
  }

  private static int error(HttpExchange ex, int status, String message) {
    try {
      return json(ex, status, Map.of("error", message == null ? "error" : message, "status", status));
    } catch (IOException e) {
      LOG.debug("could not send an error response: {}", e.toString());
      return status;
    }
  }

  private static int send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    return status;
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
