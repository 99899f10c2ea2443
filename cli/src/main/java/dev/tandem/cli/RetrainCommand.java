package dev.tandem.cli;

import dev.tandem.cli.retrain.Decision;
import dev.tandem.cli.retrain.RetrainConfig;
import dev.tandem.cli.retrain.RetrainCycle;
import dev.tandem.cli.retrain.Workspace;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.split.SplitConfig;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem retrain}: one cycle of the retraining loop. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
    description = {"One resumable, idempotent retraining cycle: drift of the newest window, a challenger trained on everything before it,"
        + " champion and challenger evaluated on that window, and the gate (paired bootstrap, guardrails) that promotes the challenger or"
        + " keeps the champion. Every decision and its evidence is kept under the state directory (cycles/<T>/, champion.json)."
        + " A cycle killed at any step continues where it stopped when run again; a finished cycle is not run twice."})
final class RetrainCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--config", required = true, paramLabel = "RETRAIN.yaml", description = "The loop's configuration.")
  String config;
  @Option(names = "--at", paramLabel = "TIME", description = "The cycle's time, the end of the newest window (date or ISO-8601; default: now).")
  String at;
  @Option(names = "--state", paramLabel = "DIR", description = "State directory (default: the config's state, else $TANDEM_HOME/retrain/NAME).")
  String state;
  @Option(names = "--cluster", paramLabel = "CLUSTER.yaml", description = "Cluster config for a job with cluster.mode: spark: the challenger"
      + " trains on the cluster, like tandem train --cluster.")
  String cluster;
  @Option(names = "--show", description = "Print the champion and the log of decisions, and run nothing.")
  boolean show;

  static String stateDir(ConfigLoader.Loaded<RetrainConfig> cfg, String option) {
    if (option != null) {
      return option;
    }
    if (cfg.value().state() != null) {
      return dev.tandem.fs.Fs.resolve(cfg.baseDir(), cfg.value().state()).toString();
    }
    return Context.home() + "/retrain/" + cfg.value().name();
  }

  @Override
  public Integer call() {
    ConfigLoader.Loaded<RetrainConfig> cfg = RetrainConfig.load(config);
    Workspace ws = new Workspace(cfg, stateDir(cfg, state), Context.progress(), job -> Trainers.forJob(job, cluster));
    PrintWriter out = spec.commandLine().getOut();
    if (!show) {
      long t = at == null ? java.time.Instant.now().getEpochSecond() : SplitConfig.parseInstant(at, "--at");
      RetrainCycle.Outcome o = RetrainCycle.run(ws, t);
      print(out, o.decision());
      out.printf("%n%s: %s%n", o.ranNow() ? "cycle decided" : "cycle had been decided before (nothing ran)", o.dir());
    }
    RetrainCycle.Champion c = RetrainCycle.champion(ws);
    if (c == null) {
      out.println("no champion yet: run a cycle");
    } else {
      out.printf("%nchampion: %s (trained on events before %s, %s %.4f when promoted)%n", c.model(), Workspace.stamp(c.trainEnd()),
          cfg.value().gate().metric(), c.atPromotion());
      Tables t = new Tables("cycle", "drift", "challenger", "difference [interval]", "decision", "serving");
      for (RetrainCycle.Champion.Entry e : c.history()) {
        t.row(e.cycle(), e.drift(), e.challenger(), e.difference() == null ? null : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]",
            e.difference().estimate(), e.difference().lo(), e.difference().hi()), e.decision(), e.serving());
      }
      t.print(out);
    }
    out.flush();
    return 0;
  }

  static void print(PrintWriter out, Decision d) {
    out.printf("cycle %s: newest window [%s, %s), %,d events, %,d users%n", d.cycle(), d.windowFrom(), d.cycle(), d.events(), d.users());
    out.printf("data drift (window against the one before): %s%s%n", d.drift().status().key(),
        d.drift().reasons().isEmpty() ? "" : " (" + String.join("; ", d.drift().reasons()) + ")");
    if (d.prediction() != null) {
      out.printf("prediction drift (champion's scores): %s, psi %.4f%n", d.prediction().status().key(), d.prediction().psi());
    }
    if (d.concept() != null) {
      out.printf("concept drift (champion's metric): %s: %.4f when promoted, now %.4f [%.4f, %.4f]%n", d.concept().status().key(),
          d.concept().atPromotion(), d.concept().now().estimate(), d.concept().now().lo(), d.concept().now().hi());
    }
    Tables t = new Tables("metric", "champion " + (d.champion() == null ? "(none)" : d.champion()), "challenger " + d.challenger());
    for (Map.Entry<String, Double> e : d.challengerMetrics().entrySet()) {
      t.row(e.getKey(), d.championMetrics() == null ? null : d.championMetrics().get(e.getKey()), e.getValue());
    }
    t.print(out);
    out.printf("challenger latency: p50 %.2f ms, p99 %.2f ms per request%n", d.latencyMs()[0], d.latencyMs()[1]);
    for (Decision.Guardrail g : d.guardrails()) {
      out.printf("guardrail %-12s %s  %s%n", g.name(), g.passed() ? "pass" : "FAIL", g.detail());
    }
    out.printf("decision: %s -> serving %s%n", d.decision().toUpperCase(Locale.ROOT), d.serving());
    for (String r : d.reasons()) {
      out.printf("  %s%n", r);
    }
  }
}
