package dev.tandem.cli;

import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ChallengerWatch;
import dev.tandem.serving.Recommender;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.registry.FsModelRegistry;
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
        + " history features also POST /events (durable in the events log, replayed on restart) and GET /features. With --challenger, an"
        + " A/B experiment: users assigned to an arm by a salted hash of their id, every answer in the impression log, POST /feedback."
        + " Runs until stopped.")
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
  @Option(names = "--challenger", paramLabel = "REF", description = "Run an A/B experiment: REGISTRY/NAME@REF (or NAME@REF in the same registry) of the challenger arm, e.g."
      + " /models/recs@staging (or the experiment section of the serving configuration). --model is the control arm. When REF is an"
      + " alias, a version promoted to it later is swapped in without a restart.")
  String challenger;
  @Option(names = "--share", paramLabel = "FRACTION", description = "Share of users assigned to the challenger, in (0, 1).")
  Double share;
  @Option(names = "--experiment", paramLabel = "NAME", description = "The experiment's name, in every impression (default: the"
      + " configuration's, else CONTROL_NAME-CHALLENGER_REF).")
  String experiment;
  @Option(names = "--salt", description = "Assignment salt (default: the experiment's name); a new salt draws users afresh.")
  String salt;
  @Option(names = "--impressions-log", paramLabel = "URI", description = "Log every answer here (any Hadoop URI; on by default in an"
      + " experiment: REGISTRY/NAME/experiments/EXPERIMENT/impressions).")
  String impressionsLog;
  @Option(names = "--feedback-log", paramLabel = "URI", description = "Where POST /feedback goes (default: beside the impression log,"
      + " .../feedback).")
  String feedbackLog;
  @Option(names = "--impressions-batch", paramLabel = "N", description = "Impressions synced together; a SIGKILL loses at most this many"
      + " (default: the configuration's impressions.batch, 256).")
  Integer impressionsBatch;
  @Option(names = "--challenger-poll", defaultValue = "30", paramLabel = "SECONDS", description = "How often the challenger's alias is"
      + " checked for a new version; 0: never (default: ${DEFAULT-VALUE}).")
  double challengerPoll;

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
    BundleRecommender control = rules == null ? new BundleRecommender(bundle) : new BundleRecommender(bundle, ServingConfig.load(rules));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("loaded %s v%d and built its recommender in %.1f s%n", bundle.name(), bundle.version(), (System.nanoTime() - t0) / 1e9);
    ServingConfig.Experiment plan;
    try {
      plan = experimentPlan(ref, control.config().experiment());
    } catch (RuntimeException e) {
      control.close();
      throw e;
    }
    Recommender rec = control;
    Tracking tracking = null;
    ChallengerWatch watch = null;
    EventLog log = null;
    RecommendServer server;
    try {
      if (plan != null) {
        ModelRef cref = challengerRef(plan.challenger(), ref);
        long t1 = System.nanoTime();
        ServingBundle cb = ServingBundle.load(cref);
        ExperimentRecommender exp = new ExperimentRecommender(plan.name(), plan.share(), Assignment.salted(plan.salt(), plan.share()),
            control, new BundleRecommender(cb));
        rec = exp;
        out.printf("experiment %s: control %s v%d, challenger %s v%d (%s) for %.0f%% of users (salt '%s'), loaded in %.1f s%n", plan.name(),
            bundle.name(), bundle.version(), cb.name(), cb.version(), cref.ref(), 100 * plan.share(), plan.salt(), (System.nanoTime() - t1) / 1e9);
        if (challengerPoll > 0 && !cref.ref().matches("v?[0-9]+")) {
          watch = new ChallengerWatch(exp, FsModelRegistry.at(cref.registry()), cref.name(), cref.ref())
              .every(Duration.ofMillis(Math.round(challengerPoll * 1000)));
        }
      }
      if (plan != null || impressionsLog != null) {
        ServingConfig.Impressions icfg = control.config().impressions();
        if (impressionsBatch != null) {
          icfg = new ServingConfig.Impressions(impressionsBatch, icfg.flushMillis(), icfg.rollMb(), icfg.rollMinutes(), icfg.remember(),
              icfg.rememberMinutes());
        }
        org.apache.hadoop.fs.Path impDir = impressionsLog != null ? Fs.path(impressionsLog)
            : new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(bundle.dir().getParent(), "experiments/" + plan.name()), "impressions");
        org.apache.hadoop.fs.Path fbDir = feedbackLog != null ? Fs.path(feedbackLog) : new org.apache.hadoop.fs.Path(impDir.getParent(), "feedback");
        tracking = Tracking.open(impDir, fbDir, icfg, plan == null ? null : plan.name(), plan == null ? null : plan.share());
        out.printf("impressions: %s (batches of %d), feedback: %s%n", Fs.shown(impDir), icfg.batch(), Fs.shown(fbDir));
      } else if (feedbackLog != null) {
        throw new IllegalArgumentException("--feedback-log: feedback needs logged answers; add --impressions-log or an experiment");
      }
      if (rec.history() != null) {
        log = rec.history().useLog(eventsLog != null ? Fs.path(eventsLog) : bundle.defaultEventsLog());
        var c = rec.history().counts();
        out.printf("history: %,d events of the version (replayed in %.0f ms) and %,d from the events log %s; new events go to %s%n",
            c.shipped(), rec.history().replayMillis(), c.replayed(), Fs.shown(log.dir()), log.segment().getName());
      } else if (eventsLog != null) {
        throw new IllegalArgumentException("--events-log: " + bundle.name() + " v" + bundle.version() + " has no history features, so it"
            + " takes no events");
      }
      server = RecommendServer.start(rec, tracking, host, port, settings);
    } catch (IOException | RuntimeException e) {
      if (watch != null) {
        watch.close();
      }
      rec.close();
      if (log != null) {
        log.close();
      }
      if (tracking != null) {
        tracking.close();
      }
      throw e;
    }
    EventLog opened = log;
    Tracking tracked = tracking;
    ChallengerWatch watching = watch;
    Recommender served = rec;
    CountDownLatch stopped = new CountDownLatch(1);
    // the server does not own the recommender: drain the server first, then close the recommender it was using
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (watching != null) {
        watching.close();
      }
      server.close();
      served.caches().forEach((name, c) -> out.printf("cache %s: %d hits, %d misses (hit rate %s)%n", name, c.hits(), c.misses(),
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
      if (tracked != null) {
        try {
          tracked.close(); // syncs the impressions still waiting
          out.printf("impressions: %s%n", tracked.impressionCounts());
        } catch (IOException e) {
          out.printf("closing the impression log failed: %s%n", e.getMessage());
        }
      }
      served.close();
      stopped.countDown();
    }, "tandem-serve-shutdown"));
    out.printf("serving %s v%d (%s, %,d items) on %s%n  GET %s/recommend?user=ID&k=10%n", bundle.name(), bundle.version(), ref.ref(),
        bundle.items().size(), server.uri(), server.uri());
    if (rec.history() != null) {
      out.printf("  POST %s/events %s%n  GET %s/features?user=ID&item=ID%n", server.uri(), rec.history().example(), server.uri());
    }
    if (tracking != null) {
      out.printf("  POST %s/feedback {\"request_id\": \"...\", \"item\": \"ID\", \"event\": \"click\"}%n", server.uri());
    }
    out.printf("  GET %s/health%n  GET %s/metrics%nstop with Ctrl-C%n", server.uri(), server.uri());
    out.flush();
    stopped.await();
    return 0;
  }

  /** The experiment the options and the configuration's section ask for (options win), or null for none. */
  private ServingConfig.Experiment experimentPlan(ModelRef ref, ServingConfig.Experiment configured) {
    if (challenger == null && configured == null) {
      for (Object[] o : new Object[][] {{"--share", share}, {"--experiment", experiment}, {"--salt", salt}}) {
        if (o[1] != null) {
          throw new IllegalArgumentException(o[0] + " needs --challenger (or an experiment section in the serving configuration)");
        }
      }
      return null;
    }
    String c = challenger != null ? challenger : configured.challenger();
    Double s = share != null ? share : configured != null ? configured.share() : null;
    if (s == null) {
      throw new IllegalArgumentException("--share is required with --challenger: the share of users assigned to the challenger");
    }
    String name = experiment != null ? experiment : configured != null && challenger == null ? configured.name()
        : (ref.name() + "-" + challengerRef(c, ref).ref()).replaceAll("[^A-Za-z0-9_.-]", "_");
    String sa = salt != null ? salt : configured != null && challenger == null && experiment == null ? configured.salt() : null;
    try {
      return new ServingConfig.Experiment(name, c, s, sa);
    } catch (dev.tandem.config.ConfigException e) {
      throw new IllegalArgumentException("experiment: " + e.getMessage(), e);
    }
  }

  /** {@code REGISTRY/NAME@REF}, or {@code NAME@REF} in the control's registry; without a REF, {@code staging}. */
  static ModelRef challengerRef(String text, ModelRef control) {
    return ModelRef.parse(text, text.contains("/") ? null : control.registry()).orElse("staging");
  }

  private static Duration seconds(String option, double s) {
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException(option + " must be a positive number of seconds, was " + s);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }
}
