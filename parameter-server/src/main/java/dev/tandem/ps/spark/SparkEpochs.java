package dev.tandem.ps.spark;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.ps.GradientSharing;
import dev.tandem.ps.StartupException;
import dev.tandem.ps.TrafficMeter;
import dev.tandem.ps.TrafficReport;
import dev.tandem.trainer.ClusterSection;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.EpochRunner;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.TrainingLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * An epoch on a Spark cluster: each worker (one partition) trains on its own train shards with DL4J's
 * SharedTrainingMaster, and workers exchange threshold-encoded gradient updates over Aeron UDP. The driver is the
 * mesh root and a silent worker: its copy of the model changes only by the updates it receives, so the model this
 * loop evaluates and checkpoints is exactly what crossed the network.
 *
 * <p>An epoch runs in attempts. Each attempt fits once in the {@link DriverSession} (the training master and mesh of
 * the current generation) while an {@link AttemptWatcher} watches it; Spark's listener and the watcher report into
 * {@link ClusterSignals}, from which the loop learns how a failed attempt {@link ClusterSignals.Ending ended}:
 * <ul>
 *   <li>{@code STARTUP_TIMEOUT}: the run fails at once, with a {@link StartupException} naming the settings to check
 *       (as does a start-up check that fails when the session builds its mesh, such as a taken controller port);
 *   <li>{@code WATCH_BROKEN}: the run fails at once (nothing could watch a retry);
 *   <li>{@code EXECUTOR_LOST}, {@code FAILED}: the model and updater go back to the epoch's start, the session restarts
 *       (fresh mesh, new generation) and the epoch runs again, up to {@code cluster.max_epoch_failures} times.
 * </ul>
 * An executor lost between epochs (reported after an attempt completed) restarts the session before the next attempt.
 *
 * <p>Owns, from the first epoch until {@link #close()}: the session, the listener it adds to the Spark context, and
 * the driver's {@link TrafficMeter}. The Spark context itself belongs to the caller.
 */
final class SparkEpochs implements EpochRunner, TrainingLoop.MetricsSource {
  private static final Logger LOG = LogManager.getLogger(SparkEpochs.class);

  private final JavaSparkContext sc;
  private final ClusterConfig cluster;
  private final ClusterSection section;
  private final PreparedDataset dataset;
  private final ModelSpec spec;
  private final int workers;
  private final int batch;
  private final long seed;
  private final RunDirectory run;
  private final Path trafficDir;
  private final String controller;
  private final Dl4jInternals dl4j;
  private final ClusterSignals signals = new ClusterSignals();
  private final DriverSession session;
  private final SparkListener executorLoss = new SparkListener() {
    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      signals.executorLost(removed.executorId() + " (" + removed.reason() + ")");
    }
  };

  /** Set by the first epoch: the driver's meter of this run, and whether the listener was added. */
  private TrafficMeter driver;
  private boolean started;
  private boolean closed;
  /** Steps each worker trains per epoch, counted when first needed. */
  private long[] stepsPerWorker;
  private Map<String, Map<String, Object>> lastTraffic = Map.of();
  private final Map<Integer, Map<String, Number>> epochMetrics = new LinkedHashMap<>();
  /** How many times each epoch was started on the cluster (1 = no failure). */
  private final Map<Integer, Integer> attemptsByEpoch = new LinkedHashMap<>();
  private double lastFitSeconds;

  /**
   * Does no I/O and starts nothing: the session, listener and meter start with the first epoch.
   *
   * @param sc the Spark context, owned by the caller and open until after {@link #close()}
   * @throws ConfigException if the dataset has fewer train shards than workers
   */
  SparkEpochs(JavaSparkContext sc, ClusterConfig cluster, ClusterSection section, PreparedDataset dataset, ModelSpec spec, int workers,
      int batch, long seed, RunDirectory run, Dl4jInternals dl4j) {
    this.sc = sc;
    this.cluster = cluster;
    this.section = section;
    this.dataset = dataset;
    this.spec = spec;
    this.workers = workers;
    this.batch = batch;
    this.seed = seed;
    this.run = run;
    this.dl4j = dl4j;
    this.trafficDir = new Path(run.root(), "traffic");
    int shards = dataset.shards(SplitName.TRAIN).size();
    if (shards < workers) {
      throw new ConfigException("cluster.workers", workers + " workers but the dataset has only " + shards
          + " train shards: set dataset.min_shards to at least " + workers + " (or use fewer workers)");
    }
    this.controller = GradientSharing.controllerAddress(cluster.aeron());
    this.session = new DriverSession(sc, cluster, section, workers, batch, seed, controller, trafficDir.toString());
  }

  @Override
  public Done run(RecommenderModel model, Examples data, Epoch e, Progress.Task task, Checkpointer checkpointer) {
    if (closed) {
      throw new IllegalStateException("the Spark epoch runner was closed");
    }
    if (!started) {
      started = true;
      driver = TrafficMeter.openDriver(trafficDir.toString(), model.graph().numParams());
      sc.sc().addSparkListener(executorLoss);
    }
    INDArray params = model.graph().params().dup();
    INDArray updater = model.graph().getUpdater().getStateViewArray() == null ? null : model.graph().getUpdater().getStateViewArray().dup();
    int failures = 0;
    while (true) {
      long t0 = System.nanoTime();
      String group = "tandem-epoch-" + (e.epoch() + 1) + "-" + failures;
      sc.setJobGroup(group, "Tandem epoch " + (e.epoch() + 1), true);
      signals.attemptStarted();
      signals.takeLostExecutor().ifPresent(lost ->
          // lost between epochs: the mesh still lists the dead node, which would block the driver's relaying
          session.restart("executor " + lost + " was lost; epoch " + (e.epoch() + 1) + " starts with a fresh gradient-sharing mesh"));
      Broadcast<INDArray> startParams = null;
      try {
        try (AttemptWatcher watcher = AttemptWatcher.start(sc, cluster, controller, group, signals, driver, task, dl4j)) {
          startParams = sc.broadcast(model.graph().params().dup());
          SparkComputationGraph trainer = session.trainer(model.graph());
          long master = dl4j.masterId((SharedTrainingMaster) trainer.getTrainingMaster());
          ExecutorSession.Plan plan = new ExecutorSession.Plan(session.generation(), startParams, e.start().globalStep(), workers,
              cluster.isLocal() ? null : cluster.aeron(), master);
          ShardBatches batches = new ShardBatches(dataset.dir().toString(), spec, executorLogq(model), batch, seed, e.epoch(), workers);
          JavaRDD<MultiDataSet> rdd = sc.parallelize(range(workers), workers).mapPartitions(new ExecutorEpoch(batches, plan));
          trainer.fitMultiDataSet(rdd);
        }
        lastFitSeconds = (System.nanoTime() - t0) / 1e9;
        break;
      } catch (Exception ex) { // Spark throws its checked SparkException undeclared
        if (ex instanceof StartupException startup) {
          throw startup; // a setting to change (controller port taken, address that does not resolve): no retry helps
        }
        ClusterSignals.Failure f = signals.failure(ex);
        switch (f.ending()) {
          case STARTUP_TIMEOUT -> throw new StartupException(f.message(), ex);
          case WATCH_BROKEN -> throw new IllegalStateException(f.message(), ex);
          default -> {
            // EXECUTOR_LOST, FAILED: run the epoch again on a fresh mesh
          }
        }
        failures++;
        LOG.warn("epoch {} failed on the cluster (attempt {} of {}): {}", e.epoch() + 1, failures, section.maxEpochFailures() + 1, f.message());
        if (failures > section.maxEpochFailures()) {
          throw new IllegalStateException("epoch " + (e.epoch() + 1) + " failed " + failures + " times on " + cluster.master()
              + "; the last good checkpoint is in " + run.checkpoints() + " (continue with tandem train --resume " + run.root() + ")", ex);
        }
        model.graph().setParams(params.dup());
        if (updater != null) {
          model.graph().getUpdater().getStateViewArray().assign(updater);
        }
        signals.takeLostExecutor(); // the fresh mesh leaves it behind as well
        session.restart("epoch " + (e.epoch() + 1) + " attempt " + failures + " failed: " + f.message());
      } finally {
        if (startParams != null) {
          startParams.destroy();
        }
      }
    }
    driver.subscribeIfReady();
    attemptsByEpoch.put(e.epoch(), failures + 1);
    long steps = Arrays.stream(stepsPerWorker()).sum();
    long examples = steps * batch;
    task.advance(Math.max(0, (long) (e.steps() - e.firstStep()) * e.batch()));
    double loss = sampledLoss(model, data, e);
    TrainingLoop.checkFinite(loss, e.epoch(), e.steps());
    recordTraffic(e.epoch(), driver);
    return new Done(steps, examples, loss * steps);
  }

  /**
   * The log-q correction executors build their batches with: the driver model's own (computed by the training loop),
   * so executors' batches carry exactly the values the driver's model was built with. Null for ranking models.
   */
  private static float[] executorLogq(RecommenderModel model) {
    return model instanceof TwoTowerModel t ? t.itemLogq() : null;
  }

  /**
   * Steps each worker trains per epoch (what executors' batch sources produce), counted once, on first use. Ranking
   * jobs count rows from the dataset manifest and read nothing; two-tower jobs train on positives only, so the driver
   * reads every train shard once per run (whole shards: the shard reader has no column projection) and counts the
   * labels above 0 of each worker's shards.
   */
  private long[] stepsPerWorker() {
    if (stepsPerWorker == null) {
      long[] steps = new long[workers];
      for (int w = 0; w < workers; w++) {
        long n = 0;
        for (ColumnFile.Written s : dataset.shardsFor(SplitName.TRAIN, w, workers)) {
          n += spec.isTwoTower() ? positives(dataset.read(SplitName.TRAIN, s).label()) : s.rows();
        }
        steps[w] = spec.isTwoTower() ? n / batch : (n + batch - 1) / batch;
      }
      stepsPerWorker = steps;
    }
    return stepsPerWorker;
  }

  private static long positives(float[] labels) {
    long n = 0;
    for (float l : labels) {
      n += l > 0 ? 1 : 0;
    }
    return n;
  }

  /** Spark's shared training reports no score (STACK.md item 5): the driver measures the loss on some train batches. */
  private double sampledLoss(RecommenderModel model, Examples data, Epoch e) {
    int batches = Math.min(20, Math.max(1, data.size() / e.batch()));
    double sum = 0;
    for (int b = 0; b < batches; b++) {
      int[] idx = Arrays.copyOfRange(e.order(), b * e.batch(), Math.min(data.size(), (b + 1) * e.batch()));
      MultiDataSet mds = model.batch(data, idx, seed + b);
      sum += model.graph().score(mds, false);
    }
    return sum / batches;
  }

  private void recordTraffic(int epoch, TrafficMeter driver) {
    driver.writeQuietly();
    Map<String, Map<String, Object>> nodes = TrafficReport.read(trafficDir);
    Map<String, Object> report = TrafficReport.aggregate(nodes);
    run.writeJson(new Path(run.root(), "traffic.json"), report);
    Map<String, Number> m = new LinkedHashMap<>();
    double updates = TrafficReport.sum(nodes, "updates_sent") - TrafficReport.sum(lastTraffic, "updates_sent");
    double sent = TrafficReport.sum(nodes, "bytes_sent") - TrafficReport.sum(lastTraffic, "bytes_sent");
    double dense = TrafficReport.sum(nodes, "dense_bytes_equivalent") - TrafficReport.sum(lastTraffic, "dense_bytes_equivalent");
    double busy = 0;
    double compute = 0;
    double encode = 0;
    for (Map.Entry<String, Map<String, Object>> n : nodes.entrySet()) {
      if (n.getKey().equals("driver")) {
        continue;
      }
      Map<String, Object> before = lastTraffic.getOrDefault(n.getKey(), Map.of());
      double c = num(n.getValue().get("compute_seconds")) - num(before.get("compute_seconds"));
      double x = num(n.getValue().get("encode_apply_seconds")) - num(before.get("encode_apply_seconds"));
      compute += c;
      encode += x;
      busy = Math.max(busy, c + x);
    }
    int executors = (int) nodes.keySet().stream().filter(k -> !k.equals("driver")).count();
    m.put("executors", executors);
    m.put("updates_sent", updates);
    m.put("bytes_sent", sent);
    m.put("dense_bytes_equivalent", dense);
    m.put("compression_ratio", sent > 0 ? dense / sent : Double.NaN);
    m.put("fit_seconds", lastFitSeconds);
    m.put("compute_seconds_per_executor", executors == 0 ? Double.NaN : compute / executors);
    m.put("encode_apply_seconds_per_executor", executors == 0 ? Double.NaN : encode / executors);
    m.put("wait_seconds", Math.max(0, lastFitSeconds - busy));
    epochMetrics.put(epoch, m);
    lastTraffic = nodes;
    LOG.info("epoch {}: {} executors sent {} updates, {} bytes (dense would be {}: {}x smaller); compute {} s, encode/apply {} s, wait {} s per executor",
        epoch + 1, executors, (long) updates, (long) sent, (long) dense, String.format("%.0f", sent > 0 ? dense / sent : Double.NaN),
        String.format("%.1f", executors == 0 ? 0 : compute / executors), String.format("%.1f", executors == 0 ? 0 : encode / executors),
        String.format("%.1f", Math.max(0, lastFitSeconds - busy)));
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  @Override
  public Map<String, Number> epochMetrics(int epoch) {
    Map<String, Number> m = epochMetrics.get(epoch);
    Map<String, Number> out = new LinkedHashMap<>();
    if (m != null) {
      m.forEach((k, v) -> out.put("traffic_" + k, v));
    }
    Integer attempts = attemptsByEpoch.get(epoch);
    if (attempts != null) {
      out.put("epoch_attempts", attempts);
    }
    return out;
  }

  private static List<Integer> range(int n) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(i);
    }
    return l;
  }

  /**
   * Closes what the epochs started, each even if another fails: the gradient-sharing session (releasing the driver's
   * transport, so the next training in this JVM can bind the controller port), the executor-loss listener, and the
   * driver's traffic meter (a last write). Idempotent; leaves the Spark context open.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } finally {
      if (started) {
        sc.sc().removeSparkListener(executorLoss);
        driver.close();
      }
    }
  }
}
