package dev.tandem.serving.http;

import dev.tandem.config.ConfigException;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The three endpoints as functions from a request to an {@link Answer}, with no transport in sight: {@code /recommend},
 * {@code /health}, {@code /metrics}, and the answers to requests for anything else. A malformed request is a 400 naming
 * what is wrong; any other failure is a 500 that shows the client an id and logs the detail under it.
 */
final class Endpoints {
  private static final Logger LOG = LogManager.getLogger(Endpoints.class);
  private static final Set<String> RESERVED = Set.of("user", "k", "explain", "exclude");
  static final String RECOMMEND = "recommend";
  static final String HEALTH = "health";
  static final String METRICS = "metrics";
  static final String OTHER = "other";

  private final Recommender recommender;
  private final ServingMetrics metrics;
  private final BooleanSupplier stopping;

  /** {@code stopping} tells whether the server is shutting down (a request interrupted then was cut off, not broken). */
  Endpoints(Recommender recommender, ServingMetrics metrics, BooleanSupplier stopping) {
    this.recommender = recommender;
    this.metrics = metrics;
    this.stopping = stopping;
  }

  /** The endpoint a raw request path names (the label of its metrics). */
  static String endpoint(String path) {
    return switch (path) {
      case "/recommend" -> RECOMMEND;
      case "/health" -> HEALTH;
      case "/metrics" -> METRICS;
      default -> OTHER;
    };
  }

  /** The answer to {@code method path?query}; never throws. */
  Answer answer(String method, String path, String rawQuery) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Answer.error(405, "method " + method + " is not allowed; use GET").withHeader("Allow", "GET");
    }
    try {
      return switch (endpoint(path)) {
        case RECOMMEND -> recommend(rawQuery);
        case HEALTH -> health();
        case METRICS -> metrics();
        default -> Answer.error(404, "no such endpoint " + path + "; endpoints: /recommend, /health, /metrics");
      };
    } catch (IllegalArgumentException | ConfigException e) {
      return Answer.error(400, e.getMessage());
    } catch (RuntimeException | Error e) {
      if (stopping.getAsBoolean() && Thread.currentThread().isInterrupted()) {
        LOG.warn("{} {} was cut off by the shutdown: {}", method, path, e.toString());
        return Answer.error(503, "the server is shutting down; send the request to another instance").closing();
      }
      String id = UUID.randomUUID().toString();
      LOG.error("internal error {} answering {} {}{}", id, method, path, rawQuery == null ? "" : "?" + rawQuery, e);
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      return Answer.internalError(id);
    }
  }

  private Answer health() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "ok");
    body.put("model", recommender.model());
    body.put("version", recommender.version());
    body.put("items", recommender.catalogueSize());
    return Answer.json(200, body);
  }

  private Answer metrics() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      metrics.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail: this is a bug, hence a 500
    }
    return new Answer(200, ServingMetrics.contentType(), body.toByteArray(), Map.of(), false);
  }

  private Answer recommend(String rawQuery) {
    Map<String, String> q = QueryString.parse(rawQuery);
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
      String e = q.get("explain").trim().toLowerCase(Locale.ROOT);
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
    metrics.answered(r.path().value());
    return Answer.json(200, r);
  }
}
