package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.PrepareSummary;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.profile.FeatureProfile;
import dev.tandem.datasets.profile.SplitProfile;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.datasets.synth.SyntheticGenerator;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.JobConfig;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem data synth|prepare|inspect}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Generate, prepare and inspect datasets.",
    subcommands = {DataCommand.Synth.class, DataCommand.Prepare.class, DataCommand.Inspect.class})
final class DataCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "synth", mixinStandardHelpOptions = true,
      description = "Generate a synthetic interaction log (events.csv, users.csv, items.csv) with a planted signal.")
  static final class Synth implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--out", required = true, description = "Output directory (any Hadoop FileSystem URI).")
    String out;
    @Option(names = "--users", defaultValue = "2000", description = "Number of users (default: ${DEFAULT-VALUE}).")
    int users;
    @Option(names = "--items", defaultValue = "1000", description = "Number of items (default: ${DEFAULT-VALUE}).")
    int items;
    @Option(names = "--events", defaultValue = "100000", description = "Number of events (default: ${DEFAULT-VALUE}).")
    long events;
    @Option(names = "--days", defaultValue = "120", description = "Days covered (default: ${DEFAULT-VALUE}).")
    int days;
    @Option(names = "--factors", defaultValue = "8", description = "Latent dimensions of the planted signal (default: ${DEFAULT-VALUE}).")
    int factors;
    @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--threads", description = "Generator threads (default: all cores).")
    Integer threads;
    @Option(names = "--shift-day", paramLabel = "DAY", description = "Plant a shift from this day on (0-based; default: none).")
    Integer shiftDay;
    @Option(names = "--shift-kind", defaultValue = "popularity", description = "popularity, tastes or new_items (default: ${DEFAULT-VALUE}).")
    String shiftKind;
    @Option(names = "--shift-strength", defaultValue = "1.0", description = "Strength of the shift in (0, 1] (default: ${DEFAULT-VALUE}).")
    double shiftStrength;

    @Override
    public Integer call() throws Exception {
      var params = new SyntheticGenerator.Params(users, items, events, factors, days, seed, LocalDate.of(2024, 1, 1), 1.0, 1.0);
      var src = new SyntheticSource(users, items, events, factors, days, seed, "2024-01-01", 1.0, 1.0, null,
          shiftDay == null ? null : new SyntheticSource.Shift(shiftDay, shiftKind, shiftStrength));
      Path dir = Fs.path(out);
      long t0 = System.nanoTime();
      var o = new SyntheticGenerator(src.params(), src.generatorShift()).write(dir, threads == null ? Runtime.getRuntime().availableProcessors() : threads, Context.progress());
      PrintWriter w = spec.commandLine().getOut();
      w.printf("wrote %,d events, %,d users, %,d items to %s in %.1f s%n", o.eventCount(), params.users(), params.items(), dir,
          (System.nanoTime() - t0) / 1e9);
      w.printf("files: %s, %s, %s%n", o.events().getName(), o.users().getName(), o.items().getName());
      w.flush();
      return 0;
    }
  }

  @Command(name = "prepare", mixinStandardHelpOptions = true,
      description = "Read raw events, split by time, fit features on train, and write checksummed shards, profile.json and summary.json.")
  static final class Prepare implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--config", required = true, description = "Job config (YAML); its dataset section is used.")
    String config;
    @Option(names = "--out", required = true, description = "Output directory (any Hadoop FileSystem URI).")
    String out;
    @Option(names = "--set", description = "Override a config key, e.g. --set dataset.max_bad_rows=10 (repeatable).")
    List<String> overrides = new ArrayList<>();
    @Option(names = "--overwrite", description = "Replace an existing prepared dataset at --out.")
    boolean overwrite;

    @Override
    public Integer call() {
      ConfigLoader.Loaded<JobConfig> job = JobConfig.load(config, overrides);
      DatasetPreparer p = new DatasetPreparer(job.value().dataset(), job.tree().get("dataset"), job.baseDir(),
          Context.home() + "/cache", Context.progress());
      PreparedDataset ds = p.prepare(Fs.path(out), overwrite);
      PrintWriter w = spec.commandLine().getOut();
      printSummary(w, ds);
      w.printf("%nprepared dataset: %s%n", ds.dir());
      if (job.value().model() != null) {
        w.printf("next: tandem train --config %s --data %s%n", config, ds.dir());
      }
      w.flush();
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print a prepared dataset's summary and feature profile.")
  static final class Inspect implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "PATH", description = "A prepared dataset directory (any Hadoop FileSystem URI).")
    String path;
    @Option(names = "--split", defaultValue = "train", description = "Split whose feature profile to show (default: ${DEFAULT-VALUE}).")
    String split;

    @Override
    public Integer call() {
      PreparedDataset ds = PreparedDataset.open(path);
      PrintWriter w = spec.commandLine().getOut();
      printSummary(w, ds);
      printProfile(w, ds, SplitName.of(split).key());
      w.flush();
      return 0;
    }
  }

  static void printSummary(PrintWriter w, PreparedDataset ds) {
    PrepareSummary s = ds.summary();
    w.printf("dataset %s  fingerprint %s  label: %s%n%n", ds.dir(), s.fingerprint(), ds.manifest().label());
    new Tables("rows read", "kept", "rejected", "outside splits")
        .row(s.rowsRead(), s.rowsKept(), s.rowsRejected(), s.outsideSplits()).print(w);
    if (!s.rejectedByReason().isEmpty()) {
      w.println();
      Tables t = new Tables("rejected because", "rows");
      s.rejectedByReason().forEach(t::row);
      t.print(w);
      w.println("first rejected rows:");
      s.rejectedSample().stream().limit(5).forEach(e -> w.println("  " + e));
    }
    w.println();
    Tables splits = new Tables("split", "events", "users", "items", "positive rate", "first event", "last event");
    var profile = ds.profile();
    for (Map.Entry<String, Long> e : s.splits().entrySet()) {
      SplitProfile sp = profile.splits().get(e.getKey());
      splits.row(e.getKey(), e.getValue(), sp.users(), sp.items(), sp.labelRate(),
          sp.firstTimestamp() == null ? null : Instant.ofEpochSecond(sp.firstTimestamp()),
          sp.lastTimestamp() == null ? null : Instant.ofEpochSecond(sp.lastTimestamp()));
    }
    splits.print(w);
    w.println();
    Tables ent = new Tables("entity", "known", "with train events", "validation events unseen in train", "test events unseen in train");
    s.entities().forEach((k, v) -> ent.row(k, v.total(), v.inTrain(), v.validationEventsUnseenInTrain(), v.testEventsUnseenInTrain()));
    ent.print(w);
    if (!s.sideTables().isEmpty()) {
      w.println();
      Tables side = new Tables("side table", "rows read", "rejected", "keys", "events without a row", "file");
      s.sideTables().forEach((k, v) -> side.row(k, v.rowsRead(), v.rowsRejected(), v.keys(), v.eventsWithoutRow(), v.file()));
      side.print(w);
    }
  }

  static void printProfile(PrintWriter w, PreparedDataset ds, String split) {
    SplitProfile sp = ds.profile().splits().get(split);
    w.printf("%nfeature profile (%s split, counted per event)%n", split);
    Tables t = new Tables("feature", "entity", "kind", "values", "missing", "distinct", "oov", "summary");
    var transform = ds.transform();
    for (Map.Entry<String, FeatureProfile> e : sp.features().entrySet()) {
      var fitted = transform.feature(e.getKey());
      FeatureProfile p = e.getValue();
      if (p instanceof FeatureProfile.Categorical c) {
        t.row(e.getKey(), fitted.entity(), "categorical/" + fitted.cardinality(), c.count(), c.missing(), c.distinct(), c.oov(),
            c.top().stream().limit(4).map(v -> v.value() + ":" + v.count()).collect(Collectors.joining(" ")));
      } else if (p instanceof FeatureProfile.MultiHot m) {
        t.row(e.getKey(), fitted.entity(), "multi_hot/" + fitted.cardinality(), m.count(), m.missing(), m.distinctTokens(), m.oovTokens(),
            String.format("avg %.2f values; ", m.meanLength()) + m.top().stream().limit(3).map(v -> v.value() + ":" + v.count()).collect(Collectors.joining(" ")));
      } else {
        FeatureProfile.Numeric n = (FeatureProfile.Numeric) p;
        t.row(e.getKey(), fitted.entity(), fitted.cardinality() > 0 ? "bucketized/" + fitted.cardinality() : "numeric", n.count(), n.missing(), null, null,
            String.format("mean %s std %s  p5 %s p50 %s p95 %s", Tables.format(n.mean()), Tables.format(n.std()),
                Tables.format(n.quantiles().get("p05")), Tables.format(n.quantiles().get("p50")), Tables.format(n.quantiles().get("p95"))));
      }
    }
    t.print(w);
  }
}
