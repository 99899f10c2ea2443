package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetConfig;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench ingest}: raw-to-prepared and prepared-read throughput. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Measure raw-to-prepared throughput and prepared-shard read throughput (events/s) on a large synthetic log and on MovieLens-100k.")
final class IngestBench implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--events", defaultValue = "10000000", description = "Events in the synthetic log (default: ${DEFAULT-VALUE}).")
  long events;
  @Option(names = "--movielens", defaultValue = "../shared/data/ml-100k", description = "MovieLens-100k directory (skipped if absent; default: ${DEFAULT-VALUE}).")
  String movielens;
  @Option(names = "--repeat", defaultValue = "3", description = "Repetitions of each read measurement (default: ${DEFAULT-VALUE}).")
  int repeat;
  @Option(names = "--work", description = "Working directory (default: $TANDEM_HOME or ./tandem-work).")
  String work;

  @Override
  public Integer call() throws Exception {
    String home = work != null ? work : Context.home();
    PrintWriter out = spec.commandLine().getOut();
    Tables t = new Tables("dataset", "events", "raw->prepared s", "raw->prepared events/s", "read s (best)", "read events/s", "shards");
    String synthYaml = resource("/bench-synthetic.yaml").replace("${EVENTS}", Long.toString(events))
        .replace("${USERS}", Long.toString(Math.max(2000, events / 50))).replace("${ITEMS}", Long.toString(Math.max(1000, events / 200)));
    measure(out, t, "synthetic", synthYaml, home, home + "/bench/synthetic-" + events);
    // the same log with point-in-time history features (9 kinds of them, per user and per item)
    String historyYaml = resource("/bench-synthetic-history.yaml").replace("${EVENTS}", Long.toString(events))
        .replace("${USERS}", Long.toString(Math.max(2000, events / 50))).replace("${ITEMS}", Long.toString(Math.max(1000, events / 200)));
    measure(out, t, "synthetic + history", historyYaml, home, home + "/bench/synthetic-history-" + events);
    if (Fs.exists(Fs.path(movielens + "/u.data"))) {
      String mlYaml = resource("/bench-movielens.yaml").replace("${PATH}", Fs.path(movielens).toString());
      measure(out, t, "movielens-100k", mlYaml, home, home + "/bench/movielens-100k");
    } else {
      out.println("MovieLens-100k not found at " + movielens + ": skipped (pass --movielens DIR)");
    }
    out.println();
    t.print(out);
    out.printf("%ntargets on a 2-core machine: >= 1,000,000 events/s raw->prepared, >= 10,000,000 events/s reading prepared shards%n");
    out.printf("(cores: %d, max heap: %d MB)%n", Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    out.flush();
    return 0;
  }

  private void measure(PrintWriter out, Tables t, String name, String yaml, String home, String dir) throws Exception {
    ConfigLoader.Loaded<JobConfig> job = ConfigLoader.parse(yaml, name, home, JobConfig.class, List.of());
    DatasetConfig cfg = job.value().dataset();
    JsonNode tree = job.tree().get("dataset");
    Progress progress = Context.progress();
    DatasetPreparer prep = new DatasetPreparer(cfg, tree, home, home + "/cache", progress);
    if (cfg.source() instanceof SyntheticSource syn) {
      out.println(name + ": generating the raw log once (not timed)");
      out.flush();
      prep.syntheticDir(syn);
    }
    // The first run warms the JIT and is not counted (as JMH would do); then the best of the timed runs.
    int runs = name.startsWith("movielens") ? 5 : 2;
    double best = Double.MAX_VALUE;
    PreparedDataset ds = null;
    long rows = 0;
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      ds = prep.prepare(Fs.path(dir), true);
      double s = (System.nanoTime() - t0) / 1e9;
      if (r > 0) {
        best = Math.min(best, s);
      }
      rows = ds.summary().rowsRead();
    }
    double[] reads = new double[repeat + 1]; // the first read is a warm-up
    long readRows = 0;
    int shards = 0;
    for (int r = 0; r < repeat + 1; r++) {
      PreparedDataset fresh = PreparedDataset.open(ds.dir().toString());
      long t0 = System.nanoTime();
      long n = 0;
      int k = 0;
      for (SplitName s : SplitName.values()) {
        for (ColumnFile.Written w : fresh.shards(s)) {
          n += fresh.read(s, w).size();
          k++;
        }
      }
      reads[r] = (System.nanoTime() - t0) / 1e9;
      readRows = n;
      shards = k;
    }
    reads = Arrays.copyOfRange(reads, 1, reads.length);
    Arrays.sort(reads);
    t.row(name, rows, best, rows / best, reads[0], readRows / reads[0], shards);
    out.printf("%s: preparation phases (s): %s%n", name, ds.summary().phaseSeconds());
    out.flush();
    Fs.delete(new Path(ds.dir().toString()));
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = IngestBench.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

}
