package dev.tandem.cli;

import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ServingConfig;
import dev.tandem.fs.Fs;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.http.RecommendServer;
import dev.tandem.serving.registry.ModelRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem serve}: the HTTP endpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a registry version over HTTP: GET /recommend?user=ID&k=10, GET /health, GET /metrics (Prometheus); for a model with"
        + " history features also POST /events (durable in the events log, replayed on restart) and GET /features. Runs until stopped.")
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--model", required = true, paramLabel = "REF", description = "REGISTRY/NAME@REF, e.g. /models/recs@production.")
  String model;
  @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}, loopback only).")
  String host;
  @Option(names = "--threads", description = "Request threads (default: 2 x cores).")
  Integer threads;
  @Option(names = "--queue", description = "Requests that may wait for a request thread; beyond threads + queue, requests get 503"
      + " (default: 8 per thread).")
  Integer queue;
  @Option(names = "--read-timeout", defaultValue = "10", paramLabel = "SECONDS",
      description = "Time a request may take to arrive, from its first byte to its last (default: ${DEFAULT-VALUE}).")
  double readTimeout;
  @Option(names = "--idle-timeout", defaultValue = "60", paramLabel = "SECONDS",
      description = "Time a connection may stay open without a request (default: ${DEFAULT-VALUE}).")
  double idleTimeout;
  @Option(names = "--drain-timeout", defaultValue = "10", paramLabel = "SECONDS",
      description = "On stop, time given to requests in flight to finish (default: ${DEFAULT-VALUE}).")
  double drainTimeout;
  @Option(names = "--rules", paramLabel = "FILE", description = "A serving configuration overriding the one shipped with the version.")
  String rules;
  @Option(names = "--events-log", paramLabel = "URI", description = "Directory of the write-ahead log of posted events (any Hadoop URI),"
      + " replayed on start after the version's own events (default: REGISTRY/NAME/events/vN beside the version). Only for a model with"
      + " history features.")
  String eventsLog;

  @Override
  public Integer call() throws Exception {
    ModelRef ref = ModelRef.parse(model, null).orElse("production");
    long t0 = System.nanoTime();
    ServingBundle bundle = ServingBundle.load(ref);
    RecommendServer.Settings settings = RecommendServer.Settings.defaults(threads != null ? threads : 2 * Runtime.getRuntime().availableProcessors())
        .withReadTimeout(seconds("--read-timeout", readTimeout)).withIdleTimeout(seconds("--idle-timeout", idleTimeout))
        .withDrainTimeout(seconds("--drain-timeout", drainTimeout));
    if (queue != null) {
      settings = settings.withQueue(queue);
    }
    BundleRecommender rec = rules == null ? new BundleRecommender(bundle) : new BundleRecommender(bundle, ServingConfig.load(rules));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("loaded %s v%d and built its recommender in %.1f s%n", bundle.name(), bundle.version(), (System.nanoTime() - t0) / 1e9);
    EventLog log = null;
    RecommendServer server;
    try {
      if (rec.history() != null) {
        log = rec.history().useLog(eventsLog != null ? Fs.path(eventsLog) : bundle.defaultEventsLog());
        var c = rec.history().counts();
        out.printf("history: %,d events of the version (replayed in %.0f ms) and %,d from the events log %s; new events go to %s%n",
            c.shipped(), rec.history().replayMillis(), c.replayed(), Fs.shown(log.dir()), log.segment().getName());
      } else if (eventsLog != null) {
        throw new IllegalArgumentException("--events-log: " + bundle.name() + " v" + bundle.version() + " has no history features, so it"
            + " takes no events");
      }
      server = RecommendServer.start(rec, host, port, settings);
    } catch (IOException | RuntimeException e) {
      rec.close();
      if (log != null) {
        log.close();
      }
      throw e;
    }
    EventLog opened = log;
    CountDownLatch stopped = new CountDownLatch(1);
    // the server does not own the recommender: drain the server first, then close the recommender it was using
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      rec.caches().forEach((name, c) -> out.printf("cache %s: %d hits, %d misses (hit rate %s)%n", name, c.hits(), c.misses(),
          Double.isNaN(c.hitRate()) ? "-" : String.format("%.1f%%", 100 * c.hitRate())));
      out.printf("requests: %s%n", server.metrics().requestCounts());
      out.flush();
      if (opened != null) {
        try {
          opened.close();
        } catch (IOException e) {
          out.printf("closing the events log failed: %s%n", e.getMessage()); // every acknowledged event was synced already
        }
      }
      rec.close();
      stopped.countDown();
    }, "tandem-serve-shutdown"));
    out.printf("serving %s v%d (%s, %,d items) on %s%n  GET %s/recommend?user=ID&k=10%n", bundle.name(), bundle.version(), ref.ref(),
        bundle.items().size(), server.uri(), server.uri());
    if (rec.history() != null) {
      out.printf("  POST %s/events %s%n  GET %s/features?user=ID&item=ID%n", server.uri(), rec.history().example(), server.uri());
    }
    out.printf("  GET %s/health%n  GET %s/metrics%nstop with Ctrl-C%n", server.uri(), server.uri());
    out.flush();
    stopped.await();
    return 0;
  }

  private static Duration seconds(String option, double s) {
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException(option + " must be a positive number of seconds, was " + s);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }
}
