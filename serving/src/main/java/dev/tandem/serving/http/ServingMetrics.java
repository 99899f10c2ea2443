package dev.tandem.serving.http;

import dev.tandem.serving.Recommender;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * The endpoint's Prometheus metrics, in a registry of its own (not the JVM-global default one, so two servers in a JVM,
 * as in tests, do not mix): request latency histogram and counts by endpoint and status, recommendations by path,
 * cache hits and misses by cache, and the model name and version served. Beside them, what clients did rather than what
 * the server answered: requests whose client left before the answer was written (not errors of the server), requests
 * refused because the server was full or shutting down (also counted by their 503 status), and connections closed
 * because a request took too long to arrive or the connection sat idle.
 */
public final class ServingMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram latency;
  private final Counter requests;
  private final Counter paths;
  private final Counter disconnects;
  private final Counter rejected;
  private final Counter closed;
  private final Counter eventsRejected;
  private final Counter armAnswers;
  private final Counter feedbackRejected;

  public ServingMetrics(Recommender recommender) {
    this(recommender, null);
  }

  /** The metrics of a server whose answers {@code tracking} logs (null: none; then its metrics report nothing). */
  public ServingMetrics(Recommender recommender, Tracking tracking) {
    latency = Histogram.builder().name("tandem_request_duration_seconds").help("Time to answer an HTTP request, by endpoint")
        .labelNames("endpoint").classicOnly()
        .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
        .register(registry);
    requests = Counter.builder().name("tandem_requests").help("HTTP requests by endpoint and status code")
        .labelNames("endpoint", "status").register(registry);
    paths = Counter.builder().name("tandem_recommendations").help("Answered recommendation requests by path (known, cold_features, popularity)")
        .labelNames("path").register(registry);
    disconnects = Counter.builder().name("tandem_client_disconnects")
        .help("Requests whose client closed the connection before the answer was written, by endpoint").labelNames("endpoint")
        .register(registry);
    rejected = Counter.builder().name("tandem_requests_rejected")
        .help("Requests answered 503 without being served: overloaded (threads and queue full) or draining (shutting down)")
        .labelNames("reason").register(registry);
    closed = Counter.builder().name("tandem_connections_closed")
        .help("Connections the server closed: read_timeout (a request did not arrive in time) or idle_timeout").labelNames("reason")
        .register(registry);
    CounterWithCallback.builder().name("tandem_cache_hits").help("Cache hits by cache").labelNames("cache")
        .callback(cb -> recommender.caches().forEach((name, r) -> cb.call(r.hits(), name))).register(registry);
    CounterWithCallback.builder().name("tandem_cache_misses").help("Cache misses by cache").labelNames("cache")
        .callback(cb -> recommender.caches().forEach((name, r) -> cb.call(r.misses(), name))).register(registry);
    GaugeWithCallback.builder().name("tandem_cache_hit_ratio").help("Cache hits / lookups since start, by cache").labelNames("cache")
        .callback(cb -> recommender.caches().forEach((name, r) -> cb.call(Double.isNaN(r.hitRate()) ? 0 : r.hitRate(), name)))
        .register(registry);
    eventsRejected = Counter.builder().name("tandem_events_rejected")
        .help("Posted events not recorded, by reason: malformed (answered 400), new_user_limit (history.max_new_users reached, 503),"
            + " log_failed (the events log could not be written, 503); one per refused request").labelNames("reason")
        .register(registry);
    // history counters exist only for a model with history features: without one they report nothing
    CounterWithCallback.builder().name("tandem_events_accepted").help("Posted events recorded in the history (durable in the events log)")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().accepted()))).register(registry);
    CounterWithCallback.builder().name("tandem_events_unknown_items")
        .help("Recorded events (posted or replayed) of items the bundle does not know: in the user's history, not recommendable")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().unknownItems()))).register(registry);
    CounterWithCallback.builder().name("tandem_events_late")
        .help("Posted events that arrived after the time they should have become visible (visible from their arrival on)")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().late()))).register(registry);
    GaugeWithCallback.builder().name("tandem_history_events").help("Events the history was rebuilt from at start, by source: bundle"
            + " (shipped with the version) or log (replayed from the events log)").labelNames("source")
        .callback(cb -> history(recommender, h -> {
          cb.call(h.counts().shipped(), "bundle");
          cb.call(h.counts().replayed(), "log");
        })).register(registry);
    GaugeWithCallback.builder().name("tandem_history_new_users").help("Users the bundle does not know that have a history from posted events")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().newUsers()))).register(registry);
    CounterWithCallback.builder().name("tandem_events_log_syncs").help("Syncs of the events log (each commits every event written since"
            + " the previous one)")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().logSyncs()))).register(registry);
    CounterWithCallback.builder().name("tandem_events_log_sync_seconds").help("Time spent syncing the events log")
        .callback(cb -> history(recommender, h -> cb.call(h.counts().logSyncSeconds()))).register(registry);
    GaugeWithCallback.builder().name("tandem_model_version").help("Registry version of the model served").labelNames("model")
        .callback(cb -> cb.call(recommender.version(), recommender.model())).register(registry);
    armAnswers = Counter.builder().name("tandem_experiment_answers")
        .help("Answered recommendation requests by experiment arm (control, challenger; none outside an experiment) and the"
            + " registry version that served them").labelNames("arm", "version").register(registry);
    feedbackRejected = Counter.builder().name("tandem_feedback_rejected")
        .help("POST /feedback requests refused: malformed (400) or log_failed (503)").labelNames("reason").register(registry);
    if (recommender instanceof ExperimentRecommender e) {
      GaugeWithCallback.builder().name("tandem_experiment_arm_version").help("Registry version serving each arm of the experiment")
          .labelNames("experiment", "arm", "model").callback(cb -> {
            for (Arm a : Arm.values()) {
              Recommender r = e.arm(a);
              cb.call(r.version(), e.name(), a.value(), r.model());
            }
          }).register(registry);
      GaugeWithCallback.builder().name("tandem_experiment_share").help("Configured share of users assigned to the challenger")
          .labelNames("experiment").callback(cb -> cb.call(e.share(), e.name())).register(registry);
      CounterWithCallback.builder().name("tandem_experiment_challenger_swaps").help("Challengers swapped in without a restart")
          .callback(cb -> cb.call(e.swaps())).register(registry);
    }
    if (tracking != null) {
      CounterWithCallback.builder().name("tandem_impressions").help("Answers in the impression log by state: written (synced),"
              + " dropped (the log failed or was closed; counted, not logged), unsynced (taken, not yet synced)").labelNames("state")
          .callback(cb -> {
            var c = tracking.impressionCounts();
            cb.call(c.written(), "written");
            cb.call(c.dropped(), "dropped");
            cb.call(c.unsynced(), "unsynced");
          }).register(registry);
      CounterWithCallback.builder().name("tandem_impressions_backpressure_waits")
          .help("Answers that waited for the impression log's sync because a whole batch was unsynced")
          .callback(cb -> cb.call(tracking.impressionCounts().waits())).register(registry);
      CounterWithCallback.builder().name("tandem_feedback").help("Feedback rows recorded, by match: matched (to an answer this server"
              + " remembers), unmatched (unknown request id: logged and counted), not_shown (an item the answer did not hold)")
          .labelNames("match").callback(cb -> {
            long[] f = tracking.feedbackCounts();
            cb.call(f[0] - f[1], "matched");
            cb.call(f[1], "unmatched");
            cb.call(f[2], "not_shown");
          }).register(registry);
    }
    GaugeWithCallback.builder().name("tandem_catalogue_items").help("Items in the served catalogue")
        .callback(cb -> cb.call(recommender.catalogueSize())).register(registry);
  }

  private static void history(Recommender r, java.util.function.Consumer<dev.tandem.serving.history.LiveHistory> report) {
    dev.tandem.serving.history.LiveHistory h = r.history();
    if (h != null) {
      report.accept(h);
    }
  }

  void eventsRejected(String reason) {
    eventsRejected.labelValues(reason).inc();
  }

  void observe(String endpoint, int status, long nanos) {
    latency.labelValues(endpoint).observe(nanos / 1e9);
    requests.labelValues(endpoint, Integer.toString(status)).inc();
  }

  void answered(String path, String arm, int version) {
    paths.labelValues(path).inc();
    armAnswers.labelValues(arm == null ? "none" : arm, Integer.toString(version)).inc();
  }

  void feedbackRejected(String reason) {
    feedbackRejected.labelValues(reason).inc();
  }

  void disconnected(String endpoint) {
    disconnects.labelValues(endpoint).inc();
  }

  void rejected(String reason) {
    rejected.labelValues(reason).inc();
  }

  void connectionClosed(String reason) {
    closed.labelValues(reason).inc();
  }

  /** Writes every metric in the Prometheus text exposition format (version 0.0.4). */
  public void write(OutputStream out) throws IOException {
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** Counts of requests so far by "endpoint status", for logs and tests. */
  public Map<String, Double> requestCounts() {
    Map<String, Double> out = new TreeMap<>();
    for (var dp : requests.collect().getDataPoints()) {
      out.put(dp.getLabels().get("endpoint") + " " + dp.getLabels().get("status"), dp.getValue());
    }
    return out;
  }
}
