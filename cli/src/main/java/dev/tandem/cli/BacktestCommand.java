package dev.tandem.cli;

import dev.tandem.cli.retrain.Backtest;
import dev.tandem.cli.retrain.RetrainConfig;
import dev.tandem.cli.retrain.Workspace;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.split.SplitConfig;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem backtest}: the retraining loop replayed over a log's history. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
    description = "Replay a log as a sequence of retraining cycles from --from to --to, one every --every: per cycle the drift, the"
        + " champion's and challenger's metrics and the gate's decision, and the serving model's metric under three policies (never"
        + " retrain, always promote, gated); writes backtest.json and backtest.png.")
final class BacktestCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--config", required = true, paramLabel = "RETRAIN.yaml", description = "The loop's configuration.")
  String config;
  @Option(names = "--from", required = true, paramLabel = "T0", description = "Start: the first model is trained on events before T0 minus one window.")
  String from;
  @Option(names = "--to", required = true, paramLabel = "T1", description = "End: the last cycle ends at or before T1.")
  String to;
  @Option(names = "--every", paramLabel = "DURATION", description = "Cycle cadence and window (e.g. 7d; default: the config's window.every).")
  String every;
  @Option(names = "--state", paramLabel = "DIR", description = "State directory (default: the config's state, else $TANDEM_HOME/retrain/NAME)"
      + "-backtest; models and datasets there are reused when the backtest runs again.")
  String state;
  @Option(names = "--cluster", paramLabel = "CLUSTER.yaml", description = "Cluster config for a job with cluster.mode: spark.")
  String cluster;
  @Option(names = "--out", paramLabel = "DIR", description = "Where backtest.json and backtest.png go (default: STATE/backtest).")
  String out;

  @Override
  public Integer call() throws IOException {
    List<String> overrides = new ArrayList<>();
    if (every != null) {
      overrides.add("window.every=" + every);
    }
    ConfigLoader.Loaded<RetrainConfig> cfg = ConfigLoader.load(config, RetrainConfig.class, overrides);
    String stateDir = state != null ? state : RetrainCommand.stateDir(cfg, null) + "-backtest";
    Workspace ws = new Workspace(cfg, stateDir, Context.progress(), job -> Trainers.forJob(job, cluster));
    long t0 = SplitConfig.parseInstant(from, "--from");
    long t1 = SplitConfig.parseInstant(to, "--to");
    PrintWriter w = spec.commandLine().getOut();
    String metric = cfg.value().gate().metric();
    Tables t = new Tables("window end", "events", "drift", "pred psi", "concept", "champion", "challenger", "difference [interval]", "decision",
        "never", "always", "gated");
    Backtest.Result r = Backtest.run(ws, t0, t1, c -> {
      var d = c.gated();
      t.row(c.cycle().substring(0, 10), c.events(), c.drift() + String.format(Locale.ROOT, " %.0f%%", 100 * c.driftedShare()), c.predictionPsi(),
          c.concept(), d == null ? c.serving().get("gated") : d.championMetrics() == null ? null : d.championMetrics().get(metric),
          c.challenger(), d == null || d.difference() == null ? "-" : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]",
              d.difference().estimate(), d.difference().lo(), d.difference().hi()),
          d == null ? "(same model)" : d.decision(), c.serving().get("never"), c.serving().get("always"), c.serving().get("gated"));
    });
    Path dir = Fs.path(out != null ? out : stateDir + "/backtest");
    Backtest.write(r, dir);
    w.printf("%s backtest of %s, %s per cycle: the %s, on each newest window, of the model serving during it%n%n", r.name(), metric,
        r.every(), metric);
    t.print(w);
    w.printf("%nmean %s over the %d cycles: never %.4f, always %.4f, gated %.4f%n", metric, r.cycles().size(), r.meanServing().get("never"),
        r.meanServing().get("always"), r.meanServing().get("gated"));
    long promotions = r.cycles().stream().filter(c -> c.gated() != null && c.gated().promoted()).count();
    w.printf("gated policy: %d promotions in %d cycles%n", promotions, r.cycles().size());
    w.printf("written: %s, %s%n", new Path(dir, Backtest.FILE), new Path(dir, Backtest.PLOT));
    w.flush();
    return 0;
  }
}
