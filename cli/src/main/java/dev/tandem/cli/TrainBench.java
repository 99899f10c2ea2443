package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.Throughput;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench train}: training throughput of both model families. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Measure training throughput (examples/s) on MovieLens-100k, with 1 and 2 workers: the two models of the PyTorch",
        "reference (../shared/docs/EVALUATION.md: two-tower and ranking MLP, same widths and batch sizes), the two-tower job with its",
        "full feature set, and the ranking job (DCN); with CPU time per step and peak heap, ND4J off-heap and resident memory."})
final class TrainBench implements Callable<Integer> {
  /** The reference's features (EVALUATION.md): user tower / ranking inputs, and the item tower. */
  private static final String USER_FEATURES = "model.user_features=[user_id, age, gender, occupation]";
  private static final String ITEM_FEATURES = "model.item_features=[item_id, genres, release_decade]";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--two-tower", defaultValue = "examples/movielens-100k-two-tower.yaml", description = "Two-tower job (default: ${DEFAULT-VALUE}).")
  String twoTower;
  @Option(names = "--ranking", defaultValue = "examples/movielens-100k-ranking.yaml", description = "Ranking job (default: ${DEFAULT-VALUE}).")
  String ranking;
  @Option(names = "--epochs", defaultValue = "3", description = "Timed epochs after one warm-up epoch (default: ${DEFAULT-VALUE}).")
  int epochs;
  @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "Worker counts to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> workers;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    Tables t = new Tables("model", "batch", "workers", "examples/s (median)", "ms/step", "CPU ms/step", "per epoch", "peak heap MB",
        "peak off-heap MB", "peak RSS MB");
    // The first two are the PyTorch reference's models (../shared/bench/train-ratio reads their lines): the reference's
    // features, widths and batch sizes, no feature dropout. Then the jobs as configured.
    String[][] jobs = {
        {"two-tower", twoTower, "train.batch_size=512", USER_FEATURES, ITEM_FEATURES, "model.embedding_dim=32", "model.hidden=[64]",
            "model.output_dim=32", "model.feature_dropout={}", "model.dropout=0"},
        {"ranking-mlp", ranking, "train.batch_size=1024", USER_FEATURES.replace("]", ", item_id, genres, release_decade]"),
            "model.architecture=dcn", "model.cross_layers=0", "model.embedding_dim=16", "model.hidden=[128, 64]", "model.ordinal=false",
            "model.feature_dropout={}", "model.dropout=0"},
        {"two-tower-job", twoTower},
        {"ranking-job", ranking}};
    for (String[] job : jobs) {
      if (!Fs.exists(Fs.path(job[1]))) {
        out.println("job " + job[1] + " not found: skipped");
        continue;
      }
      ConfigLoader.Loaded<JobConfig> loaded = JobConfig.load(job[1], List.of(job).subList(2, job.length));
      PreparedDataset ds = Datasets.resolve(loaded, Context.home() + "/cache", Context.progress());
      ModelSpec ms = LocalTrainer.spec(loaded.value(), ds);
      int features = ms.query().features().size() + (ms.isTwoTower() ? ms.item().features().size() : 0);
      String arch = ms.isTwoTower() ? "in-batch softmax, " + features + " features"
          : ms.config().architecture().key() + (ms.config().crossLayers() == 0 ? ", no cross" : ", " + ms.config().crossLayers() + " cross")
              + ", " + features + " features";
      for (int w : workers) {
        Throughput.Result r = Throughput.measure(job[0], ds, ms, loaded.value().train(), w, epochs, loaded.value().seed());
        List<String> per = new ArrayList<>();
        for (double x : r.perEpoch()) {
          per.add(String.format("%,.0f", x));
        }
        t.row(job[0] + " (" + arch + ")", r.batch(), r.workers(), r.median(), r.msPerStep(), r.cpuMsPerStep(), String.join(" ", per),
            mb(r.peakHeapBytes()), mb(r.peakOffHeapBytes()), mb(r.peakRssBytes()));
        out.printf("%s, %d worker(s): %,.0f examples/s%n", job[0], w, r.median());
        out.flush();
      }
    }
    out.println();
    t.print(out);
    out.printf("%nOMP_NUM_THREADS=%s, cores=%d, load average %.2f at the start and %.2f at the end. CPU ms/step is the process's CPU"
        + " time (JIT and GC included): less sensitive to other processes' load than wall time, not immune. Against PyTorch, compare only back to back on"
        + " the same machine: ../shared/bench/train-ratio.%n", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
        Runtime.getRuntime().availableProcessors(), loadStart, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    out.flush();
    return 0;
  }

  private static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
