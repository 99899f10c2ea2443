package dev.tandem.serving.http;

import dev.tandem.config.ConfigException;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.history.LiveHistory;
import dev.tandem.serving.history.ServedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The endpoints as functions from a request to an {@link Answer}, with no transport in sight: {@code GET /recommend},
 * {@code POST /events}, {@code GET /features}, {@code POST /feedback}, {@code GET /health}, {@code GET /metrics}, and the answers to requests
 * for anything else. A malformed request is a 400 naming what is wrong (for an event, the field, also as
 * {@code "field"}); any other failure is a 500 that shows the client an id and logs the detail under it.
 */
final class Endpoints {
  private static final Logger LOG = LogManager.getLogger(Endpoints.class);
  private static final Set<String> RESERVED = Set.of("user", "k", "explain", "exclude");
  private static final Set<String> FEATURES_RESERVED = Set.of("user", "item", "time");
  static final String RECOMMEND = "recommend";
  static final String EVENTS = "events";
  static final String FEATURES = "features";
  static final String FEEDBACK = "feedback";
  static final String HEALTH = "health";
  static final String METRICS = "metrics";
  static final String OTHER = "other";

  private final Recommender recommender;
  private final Tracking tracking;
  private final ServingMetrics metrics;
  private final BooleanSupplier stopping;

  /**
   * {@code tracking} logs every answer and takes feedback (null: answers are not logged); {@code stopping} tells whether
   * the server is shutting down (a request interrupted then was cut off, not broken).
   */
  Endpoints(Recommender recommender, Tracking tracking, ServingMetrics metrics, BooleanSupplier stopping) {
    this.recommender = recommender;
    this.tracking = tracking;
    this.metrics = metrics;
    this.stopping = stopping;
  }

  /** The endpoint a raw request path names (the label of its metrics). */
  static String endpoint(String path) {
    return switch (path) {
      case "/recommend" -> RECOMMEND;
      case "/events" -> EVENTS;
      case "/features" -> FEATURES;
      case "/feedback" -> FEEDBACK;
      case "/health" -> HEALTH;
      case "/metrics" -> METRICS;
      default -> OTHER;
    };
  }

  /** The method an endpoint takes. */
  static String method(String endpoint) {
    return endpoint.equals(EVENTS) || endpoint.equals(FEEDBACK) ? "POST" : "GET";
  }

  /**
   * Whether a request does real work (a model, the history, a sync of the events log): such requests go to the request
   * threads, the rest are answered on the event loop.
   */
  static boolean works(String endpoint, String method) {
    boolean right = method.equals(method(endpoint)) || method.equals("HEAD") && method(endpoint).equals("GET");
    return right && (endpoint.equals(RECOMMEND) || endpoint.equals(EVENTS) || endpoint.equals(FEATURES) || endpoint.equals(FEEDBACK));
  }

  /** The answer to {@code method path?query} (with a body for POST); never throws. */
  Answer answer(String method, String path, String rawQuery) {
    return answer(method, path, rawQuery, new byte[0]);
  }

  /** The answer to {@code method path?query} with its body; never throws. */
  Answer answer(String method, String path, String rawQuery, byte[] body) {
    String endpoint = endpoint(path);
    String allowed = method(endpoint);
    if (!method.equals(allowed) && !(method.equals("HEAD") && allowed.equals("GET"))) {
      return Answer.error(405, "method " + method + " is not allowed on " + path + "; use " + allowed).withHeader("Allow", allowed);
    }
    try {
      return switch (endpoint) {
        case RECOMMEND -> recommend(rawQuery);
        case EVENTS -> events(body);
        case FEATURES -> features(rawQuery);
        case FEEDBACK -> feedback(body);
        case HEALTH -> health();
        case METRICS -> metrics();
        default -> Answer.error(404, "no such endpoint " + path + "; endpoints: /recommend, /events (POST), /features, /feedback (POST), /health, /metrics");
      };
    } catch (ServedEvent.MalformedEventException e) {
      if (endpoint.equals(EVENTS)) {
        metrics.eventsRejected("malformed");
      } else if (endpoint.equals(FEEDBACK)) {
        metrics.feedbackRejected("malformed");
      }
      return Answer.error(400, e.getMessage(), Map.of("field", e.field()));
    } catch (LiveHistory.HistoryFullException e) {
      metrics.eventsRejected("new_user_limit");
      return Answer.error(503, e.getMessage());
    } catch (UnsupportedOperationException e) {
      return Answer.error(501, e.getMessage());
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
    if (recommender instanceof ExperimentRecommender e) {
      Map<String, Object> exp = new LinkedHashMap<>();
      exp.put("name", e.name());
      exp.put("share", e.share());
      exp.put("control", e.arm(Arm.CONTROL).model() + " v" + e.arm(Arm.CONTROL).version());
      exp.put("challenger", e.arm(Arm.CHALLENGER).model() + " v" + e.arm(Arm.CHALLENGER).version());
      body.put("experiment", exp);
    }
    body.put("logging", tracking != null);
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

  /** {@code POST /events}: validated, logged durably, then part of the history; the answer says what was recorded. */
  private Answer events(byte[] body) {
    LiveHistory history = recommender.history();
    if (history == null) {
      return Answer.error(404, recommender.model() + " v" + recommender.version() + " has no history features: its models read no events");
    }
    List<ServedEvent> events = history.parse(body);
    LiveHistory.Receipt r;
    try {
      r = history.record(events);
    } catch (IOException e) {
      metrics.eventsRejected("log_failed");
      String id = UUID.randomUUID().toString();
      LOG.error("events log failure {}: {} event(s) not recorded", id, events.size(), e);
      return Answer.error(503, "the events log cannot be written: the events were not recorded (" + e.getMessage() + ")", Map.of("id", id));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accepted", r.accepted());
    out.put("unknown_items", r.unknownItems());
    out.put("new_users", r.newUsers());
    out.put("as_of", r.asOf());
    return Answer.json(200, out);
  }

  /** {@code GET /features?user=ID[&item=ID][&time=T][&ATTRIBUTE=value...]}: the encoded model inputs, read-only. */
  private Answer features(String rawQuery) {
    Map<String, String> q = QueryString.parse(rawQuery);
    String user = q.get("user");
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("the parameter 'user' is required, e.g. /features?user=42&item=i7");
    }
    String item = q.get("item");
    Long time = null;
    if (q.containsKey("time") && !q.get("time").isBlank()) {
      time = ServedEvent.parseTime(q.get("time"), "time");
    }
    Map<String, String> attributes = new LinkedHashMap<>(q);
    attributes.keySet().removeAll(FEATURES_RESERVED);
    return Answer.json(200, recommender.inputs(user, item == null || item.isBlank() ? null : item.strip(), time, attributes));
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
    // a logged answer records the features the model saw, which the explanation carries: compute it, strip it after
    Recommendations r = recommender.recommend(new RecommendRequest(user, k, attributes, exclude, explain || tracking != null, true));
    if (tracking != null) {
      r = tracking.logged(r);
      if (!explain) {
        r = r.withoutExplanation();
      }
    }
    metrics.answered(r.path().value(), r.arm(), r.version());
    return Answer.json(200, r);
  }

  /** {@code POST /feedback}: validated, durable in the feedback log, then answered with what was matched. */
  private Answer feedback(byte[] body) {
    if (tracking == null) {
      return Answer.error(404, "answers are not logged on this server, so it takes no feedback; serve with an experiment or"
          + " --impressions-log");
    }
    Tracking.Receipt r;
    try {
      r = tracking.feedback(body, System.currentTimeMillis() / 1000);
    } catch (IOException e) {
      metrics.feedbackRejected("log_failed");
      String id = UUID.randomUUID().toString();
      LOG.error("feedback log failure {}", id, e);
      return Answer.error(503, "the feedback log cannot be written: the feedback was not recorded (" + e.getMessage() + ")",
          Map.of("id", id));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accepted", r.accepted());
    out.put("unmatched", r.unmatched());
    out.put("not_shown", r.notShown());
    return Answer.json(200, out);
  }
}
