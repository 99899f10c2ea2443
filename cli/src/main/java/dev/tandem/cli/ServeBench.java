package dev.tandem.cli;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bench.ServeBenchmark;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench serve}: latency and throughput of single recommendation requests. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Measure p50/p99 latency and throughput of single recommendation requests (user tower, retrieval of the top K over a synthetic"
        + " catalogue, ranking, rules) with exact and HNSW retrieval, for 10k, 100k and 1M items, with 1 and 2 client threads.")
final class ServeBench implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--items", split = ",", defaultValue = "10000,100000,1000000", description = "Catalogue sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> items;
  @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "Client threads (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;
  @Option(names = "--index", split = ",", defaultValue = "exact,hnsw", description = "Retrieval indexes (default: ${DEFAULT-VALUE}).")
  List<String> indexes;
  @Option(names = "--k", defaultValue = "100", description = "Items per request, also the candidates retrieved and ranked (default: ${DEFAULT-VALUE}).")
  int k;
  @Option(names = "--requests", defaultValue = "2000", description = "Timed requests per measurement (default: ${DEFAULT-VALUE}).")
  int requests;
  @Option(names = "--warmup", defaultValue = "500", description = "Untimed requests before each measurement (default: ${DEFAULT-VALUE}).")
  int warmup;
  @Option(names = "--m", defaultValue = "16", description = "HNSW links per node (default: ${DEFAULT-VALUE}).")
  int m;
  @Option(names = "--ef-construction", defaultValue = "100", description = "HNSW build beam (default: ${DEFAULT-VALUE}).")
  int efConstruction;
  @Option(names = "--ef", split = ",", defaultValue = "200,400", description = "HNSW search beams to measure on one graph (default: ${DEFAULT-VALUE}).")
  List<Integer> efs;
  @Option(names = "--noise", defaultValue = "0.15", description = "Per-dimension noise of synthetic items around the trained ones (default: ${DEFAULT-VALUE}).")
  double noise;
  @Option(names = "--model", paramLabel = "REF", description = "Take the towers and item vectors from this registry version (default: train"
      + " the synthetic example jobs briefly, once, under $TANDEM_HOME/bench/serve).")
  String model;
  @Option(names = "--work", description = "Working directory (default: $TANDEM_HOME or ./tandem-work).")
  String work;
  @Option(names = "--history", description = "Models with point-in-time history features (the example jobs plus user and item history"
      + " features): every request computes them as of now, and before each request an event of its user is recorded durably through an"
      + " events log (its latency is reported apart).")
  boolean history;
  @Option(names = "--experiment", description = "Measure every row twice, interleaved request by request: plain, and as an A/B"
      + " experiment with impression logging on (two arms of the same models, half the users each, every answer logged as"
      + " `serve --challenger` logs it: rows marked +ab+log); the goal is a p99 no more than 1 ms above the plain row.")
  boolean experiment;
  @Option(names = "--no-index-cache", description = "Always build HNSW graphs (by default they are kept under $TANDEM_HOME/bench/serve/indexes"
      + " and reused by later runs with the same catalogue and graph parameters).")
  boolean noIndexCache;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ServingBundle base = model != null ? ServingBundle.load(ModelRef.parse(model, null).orElse("production"))
        : trainedBase(work != null ? work : Context.home(), out, history);
    if (history && base.history() == null) {
      throw new IllegalArgumentException("--history: " + base.name() + " v" + base.version() + " has no history features");
    }
    List<ServingConfig.IndexKind> kinds = new ArrayList<>();
    for (String i : indexes) {
      ServingConfig.IndexKind kind = Check.enumOf(ServingConfig.IndexKind.values(), i);
      if (kind == ServingConfig.IndexKind.AUTO) {
        throw new IllegalArgumentException("--index takes exact and/or hnsw");
      }
      kinds.add(kind);
    }
    String home = work != null ? work : Context.home();
    String eventsLog = history ? home + "/bench/serve/events-log-" + System.currentTimeMillis() : null;
    ServeBenchmark.Settings s = new ServeBenchmark.Settings(k, requests, warmup, threads, new ServingConfig.Hnsw(m, efConstruction, efs.get(0)), efs,
        noise, 200, 17, noIndexCache ? null : home + "/bench/serve/indexes", eventsLog,
        experiment ? home + "/bench/serve/impressions-" + System.currentTimeMillis() : null);
    out.printf("base models: %s v%d (user tower of %d-d vectors%s); %d real items are the centres of each synthetic catalogue%n", base.name(),
        base.version(), base.itemVectors().dim(), base.hasRanking() ? ", DCN ranking model" : ", no ranking model", base.items().size());
    out.flush();
    Tables t = new Tables("items", "index", "threads", "p50 ms", "p99 ms", "max ms", "requests/s", "recall@" + k, "build s", "table MB",
        "index MB");
    Tables stages = new Tables("items", "index", "threads", "user vector ms", "retrieval ms", "ranking ms", "rules ms", "of which history ms",
        "cpu p50 ms", "cpu p99 ms", "GCs", "GC ms");
    Tables events = new Tables("items", "index", "threads", "event p50 ms", "event p99 ms", "events", "log syncs");
    List<ServeBenchmark.Result> results = new ArrayList<>();
    for (int n : items) {
      out.printf("catalogue of %,d items ...%n", n);
      out.flush();
      for (ServeBenchmark.Result r : ServeBenchmark.run(base, n, kinds, s, Context.progress())) {
        results.add(r);
        stages.row(r.items(), r.index(), r.threads(), r.stageMeanMs().get("user_vector"), r.stageMeanMs().get("retrieval"),
            r.stageMeanMs().get("ranking"), r.stageMeanMs().get("rules"), r.history() ? r.stageMeanMs().get("history") : "-", r.cpuP50Ms(),
            r.cpuP99Ms(), r.gcCount(), r.gcMs());
        t.row(r.items(), r.index(), r.threads(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.requestsPerSecond(), r.recall(),
            r.index().startsWith("exact") ? "-" : String.format("%.1f", r.buildSeconds()), r.tableBytes() / 1e6,
            r.index().startsWith("exact") ? "-" : String.format("%.0f", r.indexBytes() / 1e6));
        if (!Double.isNaN(r.eventP50Ms())) {
          events.row(r.items(), r.index(), r.threads(), r.eventP50Ms(), r.eventP99Ms(), requests, r.eventSyncs());
        }
      }
    }
    if (eventsLog != null) {
      Fs.delete(Fs.path(eventsLog));
    }
    if (s.impressionsLog() != null) {
      Fs.delete(Fs.path(s.impressionsLog()));
    }
    out.println();
    t.print(out);
    if (experiment) {
      out.printf("%nexperiment and impression logging (rows +ab+log against the plain row above them, requests interleaved): p99"
          + " difference, of the wall time and of the requesting thread's CPU time (which other processes on the machine do not inflate)%n");
      Tables d = new Tables("items", "index", "threads", "p99 ms plain", "p99 ms +ab+log", "difference ms", "p50 difference ms",
          "cpu p99 ms plain", "cpu p99 ms +ab+log", "cpu difference ms");
      ServeBenchmark.Result plain = null;
      for (ServeBenchmark.Result r : results) {
        if (r.index().endsWith(" +ab+log") && plain != null) {
          d.row(r.items(), plain.index(), r.threads(), plain.p99Ms(), r.p99Ms(), r.p99Ms() - plain.p99Ms(), r.p50Ms() - plain.p50Ms(),
              plain.cpuP99Ms(), r.cpuP99Ms(), r.cpuP99Ms() - plain.cpuP99Ms());
        } else {
          plain = r;
        }
      }
      d.print(out);
    }
    out.printf("%nwhere the time goes: mean ms per request in each stage; CPU time of the requesting thread per request (the work,"
        + " without waiting for a core); garbage collections during the measurement%n");
    stages.print(out);
    if (history) {
      out.printf("%nhistory: requests compute %d history features as of now (%d events in the bundle's history); before each request an"
          + " event of its user is recorded, durable (hsync) in an events log under %s, timed apart:%n", base.transform().history().features()
          .size(), base.history().size(), Fs.shown(Fs.path(home + "/bench/serve")));
      events.print(out);
    }
    out.printf("%nEach request: encode the user from the bundle's raw attributes, run the user tower, retrieve the top %d by inner product,"
        + " rank them%s, apply the rules; cache off. Timed per request (HdrHistogram); %d requests per row after %d warm-up requests."
        + " HNSW: m=%d, ef_construction=%d; recall@%d is against exact search over %d users' vectors. Catalogue: %s real item vectors"
        + " + N(0, %s^2) per dimension, normalised; queries: the real user tower's vectors of the bundle's users.%n"
        + "cores: %d, max heap: %,d MB, OMP_NUM_THREADS=%s, load average at the end: %s%n", k, base.hasRanking() ? " with the ranking model" : "", requests, warmup, m,
        efConstruction, k, 200, "the bundle's", noise, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), loadAverage());
    out.flush();
    return 0;
  }

  /** The 1-minute load average (other processes competing for the cores make latency tails longer). */
  static String loadAverage() {
    double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return l < 0 ? "unknown" : String.format("%.2f", l);
  }

  /** The synthetic example jobs trained for two epochs, exported once to a registry under the working directory and reused. */
  static ServingBundle trainedBase(String home, PrintWriter out) {
    return trainedBase(home, out, false);
  }

  /** The example jobs' dataset plus history features: the same rows, with what each user's and item's earlier events say. */
  static final String HISTORY_FEATURES = """
      - {name: user_events, kind: history_count, of: user}
      - {name: user_events_7d, kind: history_count, of: user, window: 7d}
      - {name: user_rate, kind: history_rate, of: user, smoothing: 5}
      - {name: user_mean_watch, kind: history_mean, of: user, source: watch_seconds, smoothing: 5}
      - {name: since_last, kind: time_since, of: user}
      - {name: item_events, kind: history_count, of: item}
      - {name: item_rate, kind: history_rate, of: item, smoothing: 5}
      """;

  /** An example job with {@link #HISTORY_FEATURES}; the user tower (if the job lists its features) reads the user-side ones. */
  static String withHistory(String yaml) {
    try {
      com.fasterxml.jackson.databind.ObjectMapper y = dev.tandem.config.ConfigLoader.yaml();
      com.fasterxml.jackson.databind.node.ObjectNode job = (com.fasterxml.jackson.databind.node.ObjectNode) y.readTree(yaml);
      job.put("name", job.path("name").asText() + "-history");
      com.fasterxml.jackson.databind.node.ArrayNode features = (com.fasterxml.jackson.databind.node.ArrayNode) job.path("dataset").path("features");
      com.fasterxml.jackson.databind.JsonNode extra = y.readTree(HISTORY_FEATURES);
      extra.forEach(features::add);
      if (job.path("model").path("user_features").isArray()) {
        com.fasterxml.jackson.databind.node.ArrayNode user = (com.fasterxml.jackson.databind.node.ArrayNode) job.path("model").path("user_features");
        extra.forEach(f -> {
          if (f.path("of").asText().equals("user")) {
            user.add(f.path("name").asText());
          }
        });
      }
      return y.writeValueAsString(job);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static ServingBundle trainedBase(String home, PrintWriter out, boolean history) {
    String dir = home + "/bench/serve";
    FsModelRegistry registry = FsModelRegistry.at(dir + "/registry");
    String name = history ? "bench-serve-history" : "bench-serve";
    if (!registry.names().contains(name)) {
      List<String> runs = new ArrayList<>();
      for (String job : List.of("synthetic-two-tower.yaml", "synthetic-ranking.yaml")) {
        File file = new File(QuickstartCommand.examples(), job);
        if (!file.exists()) {
          throw new IllegalArgumentException("example job " + file + " not found: run from the repository (scripts/tandem bench serve) or give --model");
        }
        ConfigLoader.Loaded<JobConfig> loaded;
        if (history) {
          String yaml;
          try {
            yaml = withHistory(java.nio.file.Files.readString(file.toPath()));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
          }
          loaded = ConfigLoader.parse(yaml, file.getPath() + " (with history features)", file.getParent(), JobConfig.class,
              List.of("train.epochs=2"));
        } else {
          loaded = JobConfig.load(file.getPath(), List.of("train.epochs=2"));
        }
        PreparedDataset ds = Datasets.resolve(loaded, home + "/cache", Context.progress());
        RunDirectory run = RunDirectory.at(dir + "/runs/" + loaded.value().name());
        try {
          Fs.delete(run.root());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        out.printf("training %s for the benchmark (2 epochs, once) ...%n", loaded.value().name());
        out.flush();
        new LocalTrainer().train(new RunRequest(loaded, run, ds, false, Context.progress()));
        runs.add(run.root().toString());
      }
      BundleExporter.export(registry, name, new BundleExporter.Request(runs.get(0), "best", runs.get(1), "best", null, null));
    }
    return ServingBundle.load(registry, name, "latest");
  }
}
