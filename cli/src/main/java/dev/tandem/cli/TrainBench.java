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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench train}: training throughput of both model families. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Measure training throughput (examples/s) of the two-tower and the ranking model on MovieLens-100k, with 1 and 2 workers.")
final class TrainBench implements Callable<Integer> {
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
    Tables t = new Tables("model", "batch", "workers", "examples/s (median)", "ms/step", "per epoch");
    // The ranking job as configured, and its deep part alone: the "ranking MLP" of ../shared/docs/EVALUATION.md
    // (16-d embeddings + genre flags -> 128 -> 64 -> 1), the architecture the PyTorch reference numbers are for.
    for (String[] job : new String[][] {{"two-tower", twoTower, "512"}, {"ranking", ranking, "1024"},
        {"ranking-mlp", ranking, "1024", "model.architecture=dcn", "model.cross_layers=0", "model.hidden=[128, 64]", "model.ordinal=false"}}) {
      if (!Fs.exists(Fs.path(job[1]))) {
        out.println("job " + job[1] + " not found: skipped");
        continue;
      }
      List<String> overrides = new ArrayList<>(List.of("train.batch_size=" + job[2]));
      overrides.addAll(List.of(job).subList(3, job.length));
      ConfigLoader.Loaded<JobConfig> loaded = JobConfig.load(job[1], overrides);
      PreparedDataset ds = Datasets.resolve(loaded, Context.home() + "/cache", Context.progress());
      ModelSpec ms = LocalTrainer.spec(loaded.value(), ds);
      for (int w : workers) {
        Throughput.Result r = Throughput.measure(job[0], ds, ms, loaded.value().train(), w, epochs, loaded.value().seed());
        List<String> per = new ArrayList<>();
        for (double x : r.perEpoch()) {
          per.add(String.format("%,.0f", x));
        }
        String arch = ms.isTwoTower() ? "in-batch softmax" : ms.config().architecture().key() + (ms.config().crossLayers() == 0 ? ", no cross" : "");
        t.row(job[0] + " (" + arch + ")", r.batch(), r.workers(),
            r.median(), r.msPerStep(), String.join(" ", per));
        out.printf("%s, %d worker(s): %,.0f examples/s%n", job[0], w, r.median());
        out.flush();
      }
    }
    out.println();
    t.print(out);
    out.printf("%nOMP_NUM_THREADS=%s, cores=%d. Reference (PyTorch 1.13, 2 threads, same machine): two-tower ~28,000 pairs/s at batch 512,"
        + " ranking MLP ~76,000 examples/s at batch 1024.%n", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
        Runtime.getRuntime().availableProcessors());
    out.flush();
    return 0;
  }
}
