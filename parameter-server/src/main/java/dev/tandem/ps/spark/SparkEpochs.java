package dev.tandem.ps.spark;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.ps.GradientSharing;
import dev.tandem.ps.TrafficMeter;
import dev.tandem.ps.TrafficRecorder;
import dev.tandem.ps.TrafficReport;
import dev.tandem.trainer.ClusterSection;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RecommenderModel;
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
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * An epoch on a Spark cluster: each worker (one partition) trains on its own train shards with DL4J's
 * SharedTrainingMaster, and workers exchange threshold-encoded gradient updates over Aeron UDP. The driver is the
 * mesh root and a silent worker: its copy of the model changes only by the updates it receives, so the model this
 * loop evaluates and checkpoints is exactly what crossed the network.
 *
 * <p>If an epoch fails (an executor died and Spark gave up on its tasks, or the mesh broke), the model is restored to
 * the epoch's start and the epoch is run again, up to {@code cluster.max_epoch_failures} times.
 */
final class SparkEpochs implements EpochRunner, TrainingLoop.MetricsSource {
  private static final Logger LOG = LogManager.getLogger(SparkEpochs.class);

  private final JavaSparkContext sc;
  private final ClusterConfig cluster;
  private final ClusterSection section;
  private final PreparedDataset dataset;
  private final ModelSpec spec;
  private final float[] itemLogq;
  private final int workers;
  private final int batch;
  private final long seed;
  private final Path trafficDir;
  private final RunDirectory run;
  private final String controller;
  private final long[] stepsPerWorker;
  private SparkComputationGraph sparkGraph;
  private org.apache.spark.broadcast.Broadcast<INDArray> startParams;
  private Map<String, Map<String, Object>> lastTraffic = Map.of();
  private final Map<Integer, Map<String, Object>> epochMetrics = new LinkedHashMap<>();
  /** How many times each epoch was started on the cluster (1 = no failure). */
  private final Map<Integer, Integer> attemptsByEpoch = new LinkedHashMap<>();
  private double lastFitSeconds;
  private volatile String startupFailure;
  private volatile String lostExecutor;
  private volatile boolean inEpoch;
  private volatile String meshRestart;
  /**
   * Numbers of the gradient-sharing sessions (training master, driver transport, mesh) of this JVM. Executors leave
   * their mesh when the generation they are handed changes, so every session (a retry, or the next training under the
   * same SparkContext, such as a refit under spark-submit) needs a number no earlier session of this JVM had.
   */
  private static final java.util.concurrent.atomic.AtomicLong SESSIONS = new java.util.concurrent.atomic.AtomicLong();
  /** The current session's number: renewed whenever the session is rebuilt. */
  private long generation = SESSIONS.getAndIncrement();
  /** Whether a session was opened at all, so that close() has a driver transport to release. */
  private boolean sessionOpened;

  SparkEpochs(JavaSparkContext sc, ClusterConfig cluster, ClusterSection section, PreparedDataset dataset, ModelSpec spec,
      float[] itemLogq, int workers, int batch, long seed, RunDirectory run) {
    this.sc = sc;
    this.cluster = cluster;
    this.section = section;
    this.dataset = dataset;
    this.spec = spec;
    this.itemLogq = itemLogq;
    this.workers = workers;
    this.batch = batch;
    this.seed = seed;
    this.run = run;
    this.trafficDir = new Path(run.root(), "traffic");
    this.controller = GradientSharing.controllerAddress(cluster.aeron());
    int shards = dataset.shards(SplitName.TRAIN).size();
    if (shards < workers) {
      throw new dev.tandem.config.ConfigException("cluster.workers", workers + " workers but the dataset has only " + shards
          + " train shards: set dataset.min_shards to at least " + workers + " (or use fewer workers)");
    }
    sc.sc().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved removed) {
        lostExecutor = removed.executorId() + " (" + removed.reason() + ")";
      }
    });
    this.stepsPerWorker = new long[workers];
    for (int w = 0; w < workers; w++) {
      long n = 0;
      for (ColumnFile.Written s : dataset.shardsFor(SplitName.TRAIN, w, workers)) {
        n += spec.isTwoTower() ? positives(dataset.read(SplitName.TRAIN, s).label()) : s.rows();
      }
      stepsPerWorker[w] = spec.isTwoTower() ? n / batch : (n + batch - 1) / batch;
    }
  }

  private static long positives(float[] labels) {
    long n = 0;
    for (float l : labels) {
      n += l > 0 ? 1 : 0;
    }
    return n;
  }

  private SparkComputationGraph graph(RecommenderModel model) {
    if (sparkGraph == null || sparkGraph.getNetwork() != model.graph()) {
      VoidConfiguration vc = GradientSharing.voidConfiguration(cluster.aeron(), controller);
      SharedTrainingMaster tm = new SharedTrainingMaster.Builder(vc, workers, GradientSharing.threshold(section), batch)
          .batchSizePerWorker(batch)
          .workersPerNode(1)
          .rddTrainingApproach(RDDTrainingApproach.Direct)
          .repartitionData(Repartition.Never)
          .repartitioner(null) // the default one shuffles every batch through Spark: each executor keeps its own shards
          .collectTrainingStats(false)
          .rngSeed(seed)
          .workerPrefetchNumBatches(2)
          .storageLevel(null) // batches are rebuilt from shards, never cached: executor memory stays one batch deep
          .residualPostProcessor(GradientSharing.residualClipping(section))
          .build();
      sparkGraph = new SparkComputationGraph(sc, model.graph(), tm);
      sessionOpened = true;
      sparkGraph.setListeners(new TrafficRecorder(trafficDir.toString(), model.graph().numParams()));
    }
    return sparkGraph;
  }

  @Override
  public Done run(RecommenderModel model, Examples data, Epoch e, Progress.Task task, Checkpointer checkpointer) {
    INDArray params = model.graph().params().dup();
    INDArray updater = model.graph().getUpdater().getStateViewArray() == null ? null : model.graph().getUpdater().getStateViewArray().dup();
    TrafficMeter driver = TrafficMeter.of("driver", trafficDir.toString(), model.graph().numParams());
    int attempts = 0;
    while (true) {
      long t0 = System.nanoTime();
      String group = "tandem-epoch-" + (e.epoch() + 1) + "-" + attempts;
      sc.setJobGroup(group, "Tandem epoch " + (e.epoch() + 1), true);
      startupFailure = null;
      meshRestart = null;
      if (lostExecutor != null) {
        // lost between epochs: the mesh still lists the dead node, which would block the driver's relaying
        LOG.warn("executor {} was lost; epoch {} starts with a fresh gradient-sharing mesh", lostExecutor, e.epoch() + 1);
        lostExecutor = null;
        sparkGraph = null;
        generation = SESSIONS.getAndIncrement();
        GradientSharing.releaseDriverTransport(cluster.aeron(), controller);
      }
      inEpoch = true;
      Thread watcher = progressWatcher(driver, task, group);
      try {
        startParams = sc.broadcast(model.graph().params().dup());
        JavaRDD<Integer> ids = sc.parallelize(range(workers), workers);
        JavaRDD<MultiDataSet> batches = ids.mapPartitions(new ShardBatches(dataset.dir().toString(), spec, itemLogq, batch, seed, e.epoch(),
            workers, e.start().globalStep(), startParams, generation, cluster.isLocal() ? null : cluster.aeron()));
        graph(model).fitMultiDataSet(batches);
        lastFitSeconds = (System.nanoTime() - t0) / 1e9;
        break;
      } catch (Exception ex) { // Spark throws its checked SparkException undeclared
        if (startupFailure != null && meshRestart == null) {
          throw new dev.tandem.ps.StartupException(startupFailure);
        }
        attempts++;
        LOG.warn("epoch {} failed on the cluster (attempt {} of {}): {}", e.epoch() + 1, attempts, section.maxEpochFailures() + 1,
            meshRestart != null ? meshRestart : ex.toString());
        if (attempts > section.maxEpochFailures()) {
          throw new IllegalStateException("epoch " + (e.epoch() + 1) + " failed " + attempts + " times on " + cluster.master()
              + "; the last good checkpoint is in " + run.checkpoints() + " (continue with tandem train --resume " + run.root() + ")", ex);
        }
        model.graph().setParams(params.dup());
        if (updater != null) {
          model.graph().getUpdater().getStateViewArray().assign(updater);
        }
        sparkGraph = null; // a fresh training master: new mesh, new parameter server instance, on every node
        lostExecutor = null;
        generation = SESSIONS.getAndIncrement();
        GradientSharing.releaseDriverTransport(cluster.aeron(), controller);
      } finally {
        inEpoch = false;
        watcher.interrupt();
        if (startParams != null) {
          startParams.destroy();
          startParams = null;
        }
      }
    }
    driver.subscribeIfReady();
    attemptsByEpoch.put(e.epoch(), attempts + 1);
    long steps = Arrays.stream(stepsPerWorker).sum();
    long examples = steps * batch;
    task.advance(Math.max(0, (long) (e.steps() - e.firstStep()) * e.batch()));
    double loss = sampledLoss(model, data, e);
    TrainingLoop.checkFinite(loss, e.epoch(), e.steps());
    recordTraffic(e.epoch(), driver);
    return new Done(steps, examples, loss * steps);
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

  /**
   * Reports progress while an epoch trains, and fails fast when executors cannot reach the driver's parameter server:
   * DL4J would otherwise wait forever for their introduction. Once the training job's tasks run, every executor must
   * join the mesh within aeron.startup_timeout_seconds.
   */
  private Thread progressWatcher(TrafficMeter driver, Progress.Task task, String group) {
    long timeoutNanos = cluster.aeron().startupTimeoutSeconds() * 1_000_000_000L;
    Thread t = new Thread(() -> {
      long trainingSince = -1;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          return;
        }
        driver.subscribeIfReady();
        Object got = driver.snapshot().get("updates_received");
        task.status("updates received by the driver: " + got);
        if (cluster.isLocal()) {
          continue;
        }
        if (lostExecutor != null) {
          // DL4J's mesh cannot drop a node: the driver would block relaying updates to the dead one and never admit
          // its replacement. Stop this attempt; the epoch restarts from its first step with a fresh mesh.
          meshRestart = "executor " + lostExecutor + " was lost; restarting the epoch with a fresh gradient-sharing mesh";
          LOG.warn(meshRestart);
          sc.cancelJobGroup(group);
          return;
        }
        int running = runningTrainingTasks(group);
        long joined = Math.max(0, Dl4jInternals.meshNodes() - 1);
        if (running == 0 || joined >= running) {
          trainingSince = -1;
          continue;
        }
        if (trainingSince < 0) {
          trainingSince = System.nanoTime();
        } else if (System.nanoTime() - trainingSince > timeoutNanos) {
          startupFailure = "aeron: " + running + " executor(s) train but only " + joined + " reached the driver's parameter server at "
              + controller + ":" + cluster.aeron().controllerPort() + " (UDP) within aeron.startup_timeout_seconds="
              + cluster.aeron().startupTimeoutSeconds() + "; check aeron.controller_address / aeron.network_mask and that UDP "
              + "ports " + cluster.aeron().controllerPort() + " and " + cluster.aeron().portRange() + " are open between the hosts";
          LOG.error(startupFailure);
          sc.cancelJobGroup(group);
          return;
        }
      }
    }, "tandem-spark-progress");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Running tasks of the training stage (not DL4J's counting job) of this epoch's job group. */
  private int runningTrainingTasks(String group) {
    int n = 0;
    org.apache.spark.api.java.JavaSparkStatusTracker st = sc.statusTracker();
    for (int job : st.getJobIdsForGroup(group)) {
      org.apache.spark.SparkJobInfo info = st.getJobInfo(job);
      if (info == null || info.status() != org.apache.spark.JobExecutionStatus.RUNNING) {
        continue;
      }
      for (int stage : info.stageIds()) {
        org.apache.spark.SparkStageInfo si = st.getStageInfo(stage);
        if (si != null && !si.name().startsWith("count")) {
          n += si.numActiveTasks();
        }
      }
    }
    return n;
  }

  private void recordTraffic(int epoch, TrafficMeter driver) {
    driver.writeQuietly();
    Map<String, Map<String, Object>> nodes = TrafficReport.read(trafficDir);
    Map<String, Object> report = TrafficReport.aggregate(nodes);
    run.writeJson(new Path(run.root(), "traffic.json"), report);
    Map<String, Object> m = new LinkedHashMap<>();
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
  public Map<String, Object> epochMetrics(int epoch) {
    Map<String, Object> m = epochMetrics.get(epoch);
    Map<String, Object> out = new LinkedHashMap<>();
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
   * Releases the driver's gradient-sharing transport: the parameter server is a JVM-wide singleton that would keep the
   * controller port, so the next training in this JVM (a refit, the next job of a sweep) would fail its first attempt.
   */
  @Override
  public void close() {
    sparkGraph = null;
    if (sessionOpened) {
      GradientSharing.releaseDriverTransport(cluster.aeron(), controller);
    }
  }
}
