package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.cli.sweep.ClusterTrialLauncher;
import dev.tandem.cli.sweep.SweepReport;
import dev.tandem.config.ConfigLoader;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelName;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.trainer.tune.SearchSpace;
import dev.tandem.trainer.tune.sweep.LocalTrialLauncher;
import dev.tandem.trainer.tune.sweep.SweepConfig;
import dev.tandem.trainer.tune.sweep.SweepRunner;
import dev.tandem.trainer.tune.sweep.SweepState;
import dev.tandem.trainer.tune.sweep.TrialLauncher;
import dev.tandem.trainer.tune.sweep.TrialRecord;
import dev.tandem.trainer.tune.sweep.TrialStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem sweep}: hyperparameter sweeps (run, report, export). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = "Hyperparameter sweeps: search a job's keys (grid, random or TPE sampling), run trials in parallel with early stopping"
        + " of weak ones (ASHA), rank them, and export the best to the registry.",
    subcommands = {SweepCommand.Run.class, SweepCommand.Report.class, SweepCommand.Export.class})
final class SweepCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code sweep run}. */
  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run a sweep, or continue it: re-running the same command after a crash, Ctrl-C or kill resumes the sweep in its"
          + " directory and never runs a finished trial again.")
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--config", required = true, description = "Sweep file (sweep.yaml).")
    String config;
    @Option(names = "--dir", description = "Sweep directory (any Hadoop FileSystem URI); default: $TANDEM_HOME/sweeps/<name>.")
    String dir;
    @Option(names = "--cluster", description = "Run each trial as a cluster job through scripts/submit.sh with this cluster config.")
    String cluster;
    @Option(names = "--dry-run", description = "Print the commands of the trials (with --cluster: their submissions); run nothing.")
    boolean dryRun;
    @Option(names = "--cache", description = "Where trials cache prepared datasets (default: $TANDEM_HOME/cache).")
    String cache;

    @Override
    public Integer call() {
      ConfigLoader.Loaded<SweepConfig> loaded = SweepConfig.load(config);
      SweepConfig cfg = loaded.value();
      String sweepDir = dir != null ? dir : Context.home() + "/sweeps/" + cfg.name();
      int parallel = cfg.budget().maxParallel();
      TrialLauncher launcher = cluster != null ? new ClusterTrialLauncher(ClusterTrialLauncher.defaultScript(), cluster)
          : new LocalTrialLauncher(Tandem.class.getName(), Tandem.PARENT_PID_ENV, LocalTrialLauncher.coresPerTrial(cfg.trial().cores(), parallel),
              parallel, cfg.trial().jvmOptions());
      SweepRunner runner = new SweepRunner(loaded, sweepDir, launcher, cache != null ? cache : Context.home() + "/cache");
      PrintWriter out = spec.commandLine().getOut();
      if (dryRun) {
        runner.dryRun().forEach(out::println);
        out.flush();
        return 0;
      }
      SweepState s = runner.run(Context.progress());
      out.printf("sweep %s: %s in %.1f min (%d session%s)%n", s.name(), s.status(), s.elapsedSeconds() / 60, s.sessions(),
          s.sessions() == 1 ? "" : "s");
      out.println(runner.summary());
      printTop(out, new SweepReport(s, cfg), 5);
      out.printf("sweep directory: %s%nnext: tandem sweep report %s%n", runner.store().root(), runner.store().root());
      out.flush();
      return "interrupted".equals(s.status()) ? 130 : 0;
    }
  }

  static void printTop(PrintWriter out, SweepReport report, int n) {
    Tables t = new Tables("rank", "trial", "status", "objective", "epochs", "parameters");
    int shown = 0;
    for (TrialRecord r : report.ranked()) {
      if (shown++ == n) {
        break;
      }
      int rank = report.rankOf(r);
      t.row(rank == 0 ? "" : rank, r.id(), r.status().key(), r.value(), r.epochs(), SearchSpace.overrides(r.params()));
    }
    t.print(out);
  }

  /** {@code sweep report}. */
  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Write the leaderboard of a sweep: leaderboard.csv, leaderboard.json and a self-contained leaderboard.html (trials"
          + " ranked, each parameter against the objective, learning curves of the best trials).")
  static final class Report implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "The sweep directory.")
    String dir;
    @Option(names = "--out", description = "Where to write the report (default: DIR/report).")
    String outDir;

    @Override
    public Integer call() throws IOException {
      TrialStore store = TrialStore.at(dir);
      SweepReport report = SweepReport.of(store);
      var target = outDir != null ? Fs.path(outDir) : store.reportDir();
      var html = report.write(target);
      PrintWriter out = spec.commandLine().getOut();
      printTop(out, report, 10);
      out.printf("%nleaderboard: %s (also leaderboard.csv, leaderboard.json)%n", html);
      out.flush();
      return 0;
    }
  }

  /** {@code sweep export}. */
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Export the best trial's best checkpoint to the registry as a new version NAME/vN, with the sweep (space, trial, rank,"
          + " objective) in its provenance.")
  static final class Export implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "The sweep directory.")
    String dir;
    @Option(names = "--registry", required = true, description = "Registry root (any Hadoop FileSystem URI or a local path).")
    String registry;
    @Option(names = "--name", required = true, description = "Model name (letters, digits, '_', '-', '.').")
    String name;
    @Option(names = "--trial", description = "Export this trial instead of the best one.")
    String trial;

    @Override
    public Integer call() {
      ModelName.check(name);
      TrialStore store = TrialStore.at(dir);
      SweepReport report = SweepReport.of(store);
      TrialRecord chosen;
      if (trial != null) {
        chosen = report.ranked().stream().filter(t -> t.id().equals(trial) || String.valueOf(t.index()).equals(trial)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no trial " + trial + " in the sweep at " + store.root()));
      } else {
        chosen = report.best().orElseThrow(() -> new IllegalArgumentException("the sweep at " + store.root()
            + " has no trial with an objective value yet"));
      }
      if (report.rankOf(chosen) == 0) {
        throw new IllegalArgumentException("trial " + chosen.id() + " has no objective value (" + chosen.status().key() + ")");
      }
      SweepState s = store.readRequired();
      ObjectNode sweep = Persisted.json().createObjectNode();
      sweep.put("name", s.name());
      sweep.put("directory", store.root().toString());
      sweep.put("definition_sha256", s.definitionSha256());
      sweep.put("trial", chosen.id());
      sweep.put("rank", report.rankOf(chosen));
      sweep.put("trials", s.trials().size());
      ObjectNode objective = sweep.putObject("objective");
      objective.put("metric", report.objective().metric());
      objective.put("split", report.objective().split());
      objective.put("direction", report.objective().direction());
      objective.put("value", chosen.value());
      sweep.set("params", Persisted.json().valueToTree(chosen.params()));
      sweep.set("space", Persisted.json().valueToTree(report.space()));
      String run = store.trialRun(chosen.id()).toString();
      FsModelRegistry reg = FsModelRegistry.at(registry);
      VersionManifest m = BundleExporter.export(reg, name, new BundleExporter.Request(run, "best", null, null, null, null, sweep));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("exported trial %s (rank %d, %s %.4f) of sweep %s as %s v%d to %s%n", chosen.id(), report.rankOf(chosen),
          report.objective().metric(), chosen.value(), s.name(), m.name(), m.version(), reg.versionDir(m.name(), m.version()));
      ExportCommand.printModels(out, m);
      out.printf("next: tandem registry promote %s/%s@v%d --alias production%n", reg.root(), m.name(), m.version());
      out.flush();
      return 0;
    }
  }
}
