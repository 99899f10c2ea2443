package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench cluster}: distributed training throughput, and where an executor's time goes. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = {"Train a job on a Spark cluster with 1, 2, ... workers and report examples/s, gradient traffic and each",
        "executor's time split between computing gradients, encoding/applying updates and waiting."})
final class ClusterBench implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--cluster", defaultValue = "cluster-config/local-cluster.yaml", description = "Cluster config (default: ${DEFAULT-VALUE}).")
  String cluster;
  @Option(names = "--job", defaultValue = "examples/synthetic-two-tower-cluster.yaml", description = "Job (default: ${DEFAULT-VALUE}).")
  String job;
  @Option(names = "--epochs", defaultValue = "4", description = "Epochs per run; the first is reported apart as warm-up (default: ${DEFAULT-VALUE}).")
  int epochs;
  @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "Worker counts to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> workers;
  @Option(names = "--runs", description = "Where the benchmark's runs go (default: the cluster's default file system, /tandem/bench).")
  String runs;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Tables t = new Tables("workers", "examples/s", "compute s/epoch", "encode+apply s/epoch", "wait s/epoch", "updates/epoch",
        "bytes sent/epoch", "x smaller than dense");
    List<Map<String, Object>> rows = new ArrayList<>();
    String stamp = Long.toString(System.currentTimeMillis(), 36);
    for (int w : workers) {
      ConfigLoader.Loaded<JobConfig> loaded = JobConfig.load(job, List.of("cluster.mode=spark", "cluster.workers=" + w,
          "train.epochs=" + epochs, "train.early_stopping.patience=0"));
      var c = Trainers.cluster(loaded, cluster);
      String base = runs != null ? runs : (c.hdfs().defaultFs() != null ? c.hdfs().defaultFs() : "file:" + Context.home()) + "/tandem/bench";
      RunDirectory dir = RunDirectory.at(base + "/cluster-" + stamp + "-w" + w);
      PreparedDataset ds = Datasets.resolve(loaded, c.hdfs().cacheOrDefault(Context.home() + "/cache"), Context.progress());
      TrainingState state = Trainers.forJob(loaded, cluster).train(new RunRequest(loaded, dir, ds, false, Context.progress()));
      // epoch 1 includes start-up (JVM warm-up, data loading, mesh handshakes): report the others
      List<EpochMetrics> timed = state.history().size() > 1 ? state.history().subList(1, state.history().size()) : state.history();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("workers", w);
      row.put("examples_per_second", mean(timed, "examples_per_second"));
      row.put("compute_seconds_per_executor", mean(timed, "traffic_compute_seconds_per_executor"));
      row.put("encode_apply_seconds_per_executor", mean(timed, "traffic_encode_apply_seconds_per_executor"));
      row.put("wait_seconds", mean(timed, "traffic_wait_seconds"));
      row.put("updates_sent", mean(timed, "traffic_updates_sent"));
      row.put("bytes_sent", mean(timed, "traffic_bytes_sent"));
      row.put("compression_ratio", mean(timed, "traffic_compression_ratio"));
      row.put("first_epoch_examples_per_second", state.history().get(0).examplesPerSecond());
      // steps each executor ran per epoch: the epoch's examples over the batch, shared by the workers
      row.put("steps_per_executor", mean(timed, "examples_per_second") * mean(timed, "epoch_seconds") / loaded.value().train().batchSize() / w);
      row.put("run", dir.root().toString());
      rows.add(row);
      t.row(w, row.get("examples_per_second"), row.get("compute_seconds_per_executor"), row.get("encode_apply_seconds_per_executor"),
          row.get("wait_seconds"), row.get("updates_sent"), row.get("bytes_sent"), row.get("compression_ratio"));
      out.printf("%d worker(s): %,.0f examples/s%n", w, (double) row.get("examples_per_second"));
      out.flush();
    }
    out.println();
    t.print(out);
    explain(out, rows, loaded(workers.get(0)).value().train().batchSize());
    out.printf("%nmeans over epochs 2..%d on %s (%d cores on this machine); compute = forward/backward, encode+apply = threshold"
        + " encoding and applying updates, wait = the rest of the epoch's wall time (scheduling, synchronisation, stragglers)%n",
        epochs, cluster, Runtime.getRuntime().availableProcessors());
    try {
      out.println(Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
    return 0;
  }

  private ConfigLoader.Loaded<JobConfig> loaded(int w) {
    return JobConfig.load(job, List.of("cluster.workers=" + w));
  }

  /**
   * The ratio of the last worker count to the first, explained from each executor's split; and what the per-step costs of
   * the first run predict for N executors with cores of their own (README, "Distributed training: a cost model"):
   * an epoch of S steps takes (S / N) (compute + encode/apply per step) + wait, so examples/s = S B / that.
   */
  static void explain(PrintWriter out, List<Map<String, Object>> rows, int batch) {
    if (rows.isEmpty()) {
      return;
    }
    Map<String, Object> a = rows.get(0);
    double steps = num(a, "steps_per_executor") * num(a, "workers");
    double compute = num(a, "compute_seconds_per_executor") / num(a, "steps_per_executor");
    double encode = num(a, "encode_apply_seconds_per_executor") / num(a, "steps_per_executor");
    double wait = num(a, "wait_seconds");
    out.printf("%nper step of one executor with %d worker(s): compute %.1f ms, encode+apply %.1f ms; wait %.2f s per epoch%n",
        (int) num(a, "workers"), compute * 1000, encode * 1000, wait);
    for (Map<String, Object> b : rows.subList(1, rows.size())) {
      double c2 = num(b, "compute_seconds_per_executor") / num(b, "steps_per_executor");
      double e2 = num(b, "encode_apply_seconds_per_executor") / num(b, "steps_per_executor");
      out.printf("%d workers against %d: %.2fx the examples/s. Per step of each executor: compute %.1f ms (%.2fx), encode+apply %.1f ms"
          + " (%.2fx); wait %.2f s per epoch. On a machine where the executors and the driver share %d cores, the per-step times grow"
          + " by the share of a core each executor gets; the wait shrinks when each executor has fewer steps to straggle over.%n",
          (int) num(b, "workers"), (int) num(a, "workers"), num(b, "examples_per_second") / num(a, "examples_per_second"), c2 * 1000,
          c2 / compute, e2 * 1000, e2 / encode, num(b, "wait_seconds"), Runtime.getRuntime().availableProcessors());
    }
    StringBuilder p = new StringBuilder("cost model, executors with their own cores (from the first run's per-step times):");
    for (int n : new int[] {1, 2, 4, 8}) {
      double epoch = steps / n * (compute + encode) + wait;
      p.append(String.format(" %d: %,.0f", n, steps * batch / epoch));
    }
    out.println(p.append(" examples/s"));
  }

  private static double num(Map<String, Object> row, String key) {
    return row.get(key) instanceof Number x ? x.doubleValue() : Double.NaN;
  }

  /** The mean of a metrics.jsonl field over epochs, skipping those without it. */
  private static double mean(List<EpochMetrics> epochs, String key) {
    double s = 0;
    int n = 0;
    for (EpochMetrics e : epochs) {
      if (e.field(key) instanceof Number x && !Double.isNaN(x.doubleValue())) {
        s += x.doubleValue();
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }
}
