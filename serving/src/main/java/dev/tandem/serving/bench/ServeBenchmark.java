package dev.tandem.serving.bench;

import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.history.LiveHistory;
import dev.tandem.serving.history.ServedEvent;
import dev.tandem.serving.retrieval.CandidateIndex;
import dev.tandem.serving.retrieval.ExactIndex;
import dev.tandem.serving.retrieval.HnswCandidateIndex;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.DoubleAdder;
import org.HdrHistogram.Histogram;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Latency and throughput of single recommendation requests, end to end through {@link BundleRecommender}: encoding
 * the request, the user tower, retrieval of K candidates over a synthetic catalogue, ranking them with the ranking
 * model, the rules. The cache is bypassed, so every request does all the work.
 */
public final class ServeBenchmark {
  private static final Logger LOG = LogManager.getLogger(ServeBenchmark.class);

  private ServeBenchmark() {}

  /**
   * What to measure.
   *
   * @param k        items per request (also the number of retrieved candidates: retrieval top-K, then ranking)
   * @param requests timed requests per measurement
   * @param warmup   untimed requests before each measurement
   * @param threads  client thread counts to measure
   * @param hnsw     HNSW parameters (the graph is built once with these)
   * @param efs      HNSW search beams to measure on that graph
   * @param noise    per-dimension noise around the real item vectors the catalogue is grown from
   * @param recallQueries users whose retrieval is compared with exact search
   * @param seed     seed of the catalogue
   * @param indexCache directory where HNSW graphs are kept between runs (null: always build); a graph is reused only for
   *                 the same bundle version, catalogue size, noise, seed and graph parameters
   * @param eventsLog for a bundle with history features: before each request, an event of the request's user is
   *                 recorded (timed apart), made durable in an events log in this directory (a new segment per
   *                 measurement); null: no events
   * @param impressionsLog also measure every row as an A/B experiment (two arms of the same bundle, half the users each,
   *                 {@link ExperimentRecommender}) with every answer logged as the server logs it ({@link Tracking}, default
   *                 batching) into a new directory under this one; null: only plain serving
   */
  public record Settings(int k, int requests, int warmup, List<Integer> threads, ServingConfig.Hnsw hnsw, List<Integer> efs, double noise,
      int recallQueries, long seed, String indexCache, String eventsLog, String impressionsLog) {
    /** Without events. */
    public Settings(int k, int requests, int warmup, List<Integer> threads, ServingConfig.Hnsw hnsw, List<Integer> efs, double noise,
        int recallQueries, long seed, String indexCache) {
      this(k, requests, warmup, threads, hnsw, efs, noise, recallQueries, seed, indexCache, null, null);
    }

    /** Without an experiment. */
    public Settings(int k, int requests, int warmup, List<Integer> threads, ServingConfig.Hnsw hnsw, List<Integer> efs, double noise,
        int recallQueries, long seed, String indexCache, String eventsLog) {
      this(k, requests, warmup, threads, hnsw, efs, noise, recallQueries, seed, indexCache, eventsLog, null);
    }
  }

  /**
   * One measurement.
   *
   * @param recall      recall@K of this index's retrieval against exact search (1 for exact)
   * @param buildSeconds time to build the index (0 for exact)
   * @param tableBytes  the item vectors
   * @param indexBytes  heap taken by the index beyond the item vectors (approximate, from the heap before and after)
   * @param stageMeanMs mean milliseconds per request in each stage of the pipeline (a coarse profile)
   * @param cpuP50Ms    median CPU time of the requesting thread per request: the work itself, without waiting for a core
   * @param cpuP99Ms    its 99th percentile
   * @param gcCount     garbage collections during the measurement
   * @param gcMs        their total time
   * @param history     whether requests computed history features
   * @param eventP50Ms  median time to record an event durably (NaN without events)
   * @param eventP99Ms  its 99th percentile
   * @param eventSyncs  syncs of the events log during the measurement (group commit: fewer than events)
   */
  public record Result(int items, String index, int threads, double p50Ms, double p99Ms, double maxMs, double requestsPerSecond,
      double recall, double buildSeconds, long tableBytes, long indexBytes, Map<String, Double> stageMeanMs, double cpuP50Ms,
      double cpuP99Ms, long gcCount, long gcMs, boolean history, double eventP50Ms, double eventP99Ms, long eventSyncs) {}

  /**
   * Grows a catalogue of {@code items} around the bundle's items and measures every index kind with every thread count;
   * HNSW graph builds (minutes for a million items) report to {@code progress}.
   */
  public static List<Result> run(ServingBundle base, int items, List<ServingConfig.IndexKind> kinds, Settings s,
      Progress progress) {
    ServingBundle bundle = SyntheticCatalogue.grow(base, items, s.noise(), s.seed());
    List<Result> out = new ArrayList<>();
    ExactIndex exact = new ExactIndex(bundle.itemVectors());
    for (ServingConfig.IndexKind kind : kinds) {
      ServingConfig cfg = ServingConfig.defaults()
          .withRetrieval(new ServingConfig.Retrieval(s.k(), kind, null, s.hnsw()))
          .withRules(ServingConfig.Rules.none())
          .withCache(new ServingConfig.Cache(false, null, null));
      long heapBefore = usedHeap();
      long t0 = System.nanoTime();
      double[] buildSeconds = {0};
      CandidateIndex prebuilt = kind == ServingConfig.IndexKind.HNSW ? hnsw(base, bundle, s, buildSeconds, progress) : null;
      try (BundleRecommender rec = new BundleRecommender(bundle, cfg, prebuilt)) {
        double build = kind == ServingConfig.IndexKind.EXACT ? 0 : buildSeconds[0];
        long indexBytes = kind == ServingConfig.IndexKind.EXACT ? 0 : Math.max(0, usedHeap() - heapBefore);
        if (rec.index() instanceof HnswCandidateIndex hnsw) {
          for (int ef : s.efs()) {
            hnsw.ef(ef); // one graph, several search beams
            double recall = recall(rec, exact, s);
            for (int threads : s.threads()) {
              if (s.impressionsLog() != null) {
                out.addAll(paired(rec, bundle, cfg, threads, s, "hnsw ef=" + ef, recall, build, indexBytes));
              } else {
                out.add(measure(rec, bundle, threads, s, "hnsw ef=" + ef, recall, build, indexBytes));
              }
            }
          }
        } else {
          for (int threads : s.threads()) {
            if (s.impressionsLog() != null) {
              out.addAll(paired(rec, bundle, cfg, threads, s, kind.key(), 1.0, build, indexBytes));
            } else {
              out.add(measure(rec, bundle, threads, s, kind.key(), 1.0, build, indexBytes));
            }
          }
        }
      }
    }
    return out;
  }

  /** The HNSW graph of a grown catalogue: loaded from the cache when it holds one, else built (and cached); returns its build time. */
  private static HnswCandidateIndex hnsw(ServingBundle base, ServingBundle grown, Settings s, double[] buildSeconds,
      Progress progress) {
    ServingConfig.Hnsw h = s.hnsw();
    Path file = s.indexCache() == null ? null : Fs.resolve(s.indexCache(), String.format("hnsw-%s-v%d-%d-noise%s-seed%d-m%d-efc%d.bin",
        base.name(), base.version(), grown.items().size(), s.noise(), s.seed(), h.m(), h.efConstruction()));
    try {
      if (file != null && Fs.exists(file) && Fs.exists(file.suffix(".seconds"))) {
        try (InputStream in = new BufferedInputStream(Fs.open(file), 1 << 20)) {
          HnswCandidateIndex index = HnswCandidateIndex.load(grown.itemVectors(), in);
          buildSeconds[0] = Double.parseDouble(Fs.readString(file.suffix(".seconds")).trim());
          LOG.info("loaded the HNSW graph of {} items from {} (built in {} s)", grown.items().size(), file, buildSeconds[0]);
          return index;
        }
      }
      long t0 = System.nanoTime();
      HnswCandidateIndex index = HnswCandidateIndex.build(grown.itemVectors(), h.m(), h.efConstruction(), h.ef(),
          Runtime.getRuntime().availableProcessors(), progress);
      buildSeconds[0] = (System.nanoTime() - t0) / 1e9;
      LOG.info("built the HNSW graph of {} items in {} s", grown.items().size(), String.format("%.1f", buildSeconds[0]));
      if (file != null) {
        Fs.writeAtomically(file, out -> index.save(new BufferedOutputStream(out, 1 << 20) {
          @Override
          public void close() throws IOException {
            flush(); // the atomic writer closes the underlying stream itself
          }
        }));
        Fs.writeString(file.suffix(".seconds"), Double.toString(buildSeconds[0]));
      }
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the HNSW graph cache " + file, e);
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Mean overlap of the index's top-K with exact search over the user vectors of known users. */
  static double recall(BundleRecommender rec, ExactIndex exact, Settings s) {
    CandidateIndex index = rec.index();
    if (index instanceof ExactIndex) {
      return 1.0;
    }
    int users = Math.min(s.recallQueries(), rec.bundle().users().size());
    double sum = 0;
    for (int u = 0; u < users; u++) {
      float[] q = rec.userVector(rec.bundle().users().id(u));
      Set<Integer> truth = new HashSet<>();
      for (int r : exact.search(q, s.k(), null).rows()) {
        truth.add(r);
      }
      int hit = 0;
      for (int r : index.search(q, s.k(), null).rows()) {
        if (truth.contains(r)) {
          hit++;
        }
      }
      sum += (double) hit / truth.size();
    }
    return users == 0 ? Double.NaN : sum / users;
  }

  /**
   * Plain serving and the same as an experiment with logging, measured in one run with requests interleaved (each
   * thread alternates the two, in alternating order), so both see the same machine: load from other processes, JIT
   * state and GC fall on both alike and the difference is the experiment's. {@code rec} is the control; a second
   * recommender of the same bundle (sharing the index) the challenger; each experiment answer goes through
   * {@link Tracking#logged} and loses its explanation, as in the server. Returns the plain row, then the experiment's
   * (its index suffixed {@code " +ab+log"}); requests/s of each is from its own requests' time.
   */
  private static List<Result> paired(BundleRecommender rec, ServingBundle bundle, ServingConfig cfg, int threads, Settings s, String index,
      double recall, double build, long indexBytes) {
    org.apache.hadoop.fs.Path dir = Fs.resolve(s.impressionsLog(), index.replace(' ', '-').replace("=", "") + "-" + threads + "t-"
        + System.currentTimeMillis());
    BundleRecommender challenger = new BundleRecommender(bundle, cfg, rec.index());
    ExperimentRecommender exp = new ExperimentRecommender("bench", 0.5, Assignment.salted("bench", 0.5), rec, challenger);
    String[] users = bundle.users().ids();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Tracking tracking = Tracking.open(new org.apache.hadoop.fs.Path(dir, "impressions"), new org.apache.hadoop.fs.Path(dir, "feedback"),
        cfg.impressions(), "bench", 0.5)) {
      for (int i = 0; i < s.warmup(); i++) {
        rec.recommend(request(users, i, s.k()));
        tracking.logged(exp.recommend(request(users, i, s.k()))).withoutExplanation();
      }
      int perThread = Math.max(1, s.requests() / threads);
      List<Future<Histogram[]>> parts = new ArrayList<>();
      ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
      long[] gcBefore = gc();
      for (int t = 0; t < threads; t++) {
        int offset = t * perThread;
        parts.add(pool.submit(() -> {
          Histogram[] h = new Histogram[4]; // wall plain, wall experiment, cpu plain, cpu experiment
          for (int j = 0; j < h.length; j++) {
            h[j] = new Histogram(60_000_000_000L, 3);
          }
          for (int i = 0; i < perThread; i++) {
            for (int half = 0; half < 2; half++) {
              boolean ab = (i + half) % 2 == 1;
              RecommendRequest req = request(users, offset + i, s.k());
              long c0 = cpu.getCurrentThreadCpuTime();
              long t0 = System.nanoTime();
              if (ab) {
                tracking.logged(exp.recommend(req)).withoutExplanation(); // what the server does with an answer
              } else {
                rec.recommend(req);
              }
              h[ab ? 1 : 0].recordValue(System.nanoTime() - t0);
              h[ab ? 3 : 2].recordValue(Math.max(0, cpu.getCurrentThreadCpuTime() - c0));
            }
          }
          return h;
        }));
      }
      Histogram[] all = new Histogram[4];
      for (int j = 0; j < all.length; j++) {
        all[j] = new Histogram(60_000_000_000L, 3);
      }
      for (Future<Histogram[]> f : parts) {
        Histogram[] h = f.get();
        for (int j = 0; j < all.length; j++) {
          all[j].add(h[j]);
        }
      }
      long[] gcAfter = gc();
      List<Result> out = new ArrayList<>();
      for (int m = 0; m < 2; m++) {
        Histogram wall = all[m];
        Histogram work = all[m + 2];
        double busySeconds = wall.getMean() * wall.getTotalCount() / 1e9 / threads;
        Result r = new Result(bundle.items().size(), m == 0 ? index : index + " +ab+log", threads, wall.getValueAtPercentile(50) / 1e6,
            wall.getValueAtPercentile(99) / 1e6, wall.getMaxValue() / 1e6, wall.getTotalCount() / busySeconds, recall, build,
            bundle.itemVectors().bytes(), indexBytes, Map.of(), work.getValueAtPercentile(50) / 1e6, work.getValueAtPercentile(99) / 1e6,
            gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1], false, Double.NaN, Double.NaN, 0);
        LOG.info("{} items, {}, {} thread(s), interleaved: p50 {} ms, p99 {} ms", r.items(), r.index(), threads,
            String.format("%.2f", r.p50Ms()), String.format("%.2f", r.p99Ms()));
        out.add(r);
      }
      LOG.info("impression log of {}: {}", index, tracking.impressionCounts());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the impression log in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a benchmark request failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
      challenger.close(); // not the experiment: it would close the control, which the caller still uses
    }
  }

  private static Result measure(BundleRecommender rec, ServingBundle bundle, int threads, Settings s, String index, double recall,
      double build, long indexBytes) {
    LiveHistory history = s.eventsLog() == null ? null : rec.history();
    if (history == null) {
      return measure(rec, bundle, threads, s, index, recall, build, indexBytes, null, null);
    }
    org.apache.hadoop.fs.Path dir = Fs.resolve(s.eventsLog(), index.replace(' ', '-').replace("=", "") + "-" + threads + "t");
    try (EventLog log = EventLog.open(dir)) {
      history.logTo(log);
      try {
        return measure(rec, bundle, threads, s, index, recall, build, indexBytes, history, log);
      } finally {
        history.logTo(null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the events log in " + dir, e);
    }
  }

  private static Result measure(BundleRecommender rec, ServingBundle bundle, int threads, Settings s, String index, double recall,
      double build, long indexBytes, LiveHistory history, EventLog log) {
    String[] users = bundle.users().ids();
    String[] items = bundle.items().ids();
    for (int i = 0; i < s.warmup(); i++) {
      if (history != null) {
        event(history, users, items, i);
      }
      rec.recommend(request(users, i, s.k()));
    }
    long syncsBefore = log == null ? 0 : log.syncStats()[0];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      int perThread = Math.max(1, s.requests() / threads);
      List<Future<Histogram[]>> parts = new ArrayList<>();
      Map<String, DoubleAdder> stages = new ConcurrentHashMap<>();
      ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
      long[] gcBefore = gc();
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int offset = t * perThread;
        parts.add(pool.submit(() -> {
          Histogram wall = new Histogram(60_000_000_000L, 3);
          Histogram work = new Histogram(60_000_000_000L, 3);
          Histogram events = new Histogram(60_000_000_000L, 3);
          for (int i = 0; i < perThread; i++) {
            if (history != null) { // the user's event, then the user's request: every request sees a changed history
              long e0 = System.nanoTime();
              event(history, users, items, offset + i);
              events.recordValue(System.nanoTime() - e0);
            }
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Recommendations r = rec.recommend(request(users, offset + i, s.k()));
            wall.recordValue(System.nanoTime() - t0);
            work.recordValue(Math.max(0, cpu.getCurrentThreadCpuTime() - c0));
            r.explain().stageMs().forEach((stage, ms) -> stages.computeIfAbsent(stage, x -> new DoubleAdder()).add(ms));
          }
          return new Histogram[] {wall, work, events};
        }));
      }
      Histogram all = new Histogram(60_000_000_000L, 3);
      Histogram allCpu = new Histogram(60_000_000_000L, 3);
      Histogram allEvents = new Histogram(60_000_000_000L, 3);
      for (Future<Histogram[]> f : parts) {
        Histogram[] h = f.get();
        all.add(h[0]);
        allCpu.add(h[1]);
        allEvents.add(h[2]);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] gcAfter = gc();
      Map<String, Double> meanStages = new LinkedHashMap<>();
      for (String stage : List.of("user_vector", "retrieval", "ranking", "rules", "history")) {
        DoubleAdder sum = stages.get(stage);
        meanStages.put(stage, sum == null ? 0 : sum.sum() / all.getTotalCount());
      }
      Result r = new Result(bundle.items().size(), index, threads, all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6,
          all.getMaxValue() / 1e6, all.getTotalCount() / seconds, recall, build, bundle.itemVectors().bytes(), indexBytes, meanStages,
          allCpu.getValueAtPercentile(50) / 1e6, allCpu.getValueAtPercentile(99) / 1e6, gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1],
          rec.history() != null, history == null ? Double.NaN : allEvents.getValueAtPercentile(50) / 1e6,
          history == null ? Double.NaN : allEvents.getValueAtPercentile(99) / 1e6, log == null ? 0 : log.syncStats()[0] - syncsBefore);
      LOG.info("{} items, {}, {} thread(s): p50 {} ms, p99 {} ms, {} req/s", r.items(), index, threads, String.format("%.2f", r.p50Ms()),
          String.format("%.2f", r.p99Ms()), String.format("%.0f", r.requestsPerSecond()));
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a benchmark request failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Collections so far and their total milliseconds, over every collector. */
  private static long[] gc() {
    long count = 0;
    long ms = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, b.getCollectionCount());
      ms += Math.max(0, b.getCollectionTime());
    }
    return new long[] {count, ms};
  }

  /** An event of request {@code i}'s user, now: the label column and every outcome column the history reads set. */
  private static void event(LiveHistory history, String[] users, String[] items, int i) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put(history.schema().labelColumn(), (double) (i % 90));
    for (String src : history.schema().sources()) {
      values.put(src, (double) (i % 2));
    }
    try {
      history.record(List.of(new ServedEvent(users[Math.floorMod(i, users.length)], items[Math.floorMod(i * 31, items.length)], history.now(),
          values)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static RecommendRequest request(String[] users, int i, int k) {
    // explain costs nothing extra (the pipeline always records it) and carries the per-stage timings
    return RecommendRequest.of(users[Math.floorMod(i, users.length)], k).withCache(false).withExplain(true);
  }
}
