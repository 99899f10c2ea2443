package dev.tandem.cli;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.eval.RankingMetrics;
import dev.tandem.trainer.train.RunDirectory;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a run's model and its baseline on a split; prints a table and writes RUN/eval-SPLIT.json (e.g. eval-test.json).")
final class EvaluateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--run", required = true, description = "Run directory (any Hadoop FileSystem URI).")
  String run;
  @Option(names = "--split", defaultValue = "test", description = "train, validation or test (default: ${DEFAULT-VALUE}).")
  String split;
  @Option(names = "--checkpoint", defaultValue = "best", description = "best, latest or a checkpoint id (default: ${DEFAULT-VALUE}).")
  String checkpoint;

  @Override
  public Integer call() {
    RunDirectory dir = RunDirectory.at(run);
    RunDirectory.Info info = dir.readInfo();
    JobConfig job = JobConfig.load(dir.job().toString(), List.of()).value();
    PreparedDataset ds = PreparedDataset.open(info.datasetPath());
    SplitName s = SplitName.of(split);
    Map<String, Object> result = Evaluation.evaluate(dir, ds, s, job.eval(), checkpoint);
    dir.writeJson(dir.eval(s), result);
    print(spec.commandLine().getOut(), result);
    spec.commandLine().getOut().printf("%nwritten: %s%n", dir.eval(s));
    if (dev.tandem.trainer.train.Refit.dir(dir).exists()) {
      spec.commandLine().getOut().printf("this run was refit on train + validation (train.refit): evaluate the model to deploy with "
          + "tandem evaluate --run %s --split %s%n", dev.tandem.trainer.train.Refit.dir(dir).root(), s.key());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }

  @SuppressWarnings("unchecked")
  static void print(PrintWriter out, Map<String, Object> r) {
    Map<String, Object> base = (Map<String, Object>) r.get("baseline");
    out.printf("%s on the %s split (checkpoint %s)%n%n", r.get("model"), r.get("split"), r.get("checkpoint"));
    Tables t = new Tables("metric", "model", (String) base.get("name"), "model better");
    Map<String, Boolean> better = (Map<String, Boolean>) r.get("beats_baseline");
    for (Map.Entry<String, Object> e : r.entrySet()) {
      if (e.getValue() instanceof Number && !e.getKey().equals("users") && !e.getKey().equals("examples")) {
        Boolean b = better.get(e.getKey());
        t.row(e.getKey(), e.getValue(), base.get(e.getKey()), b == null ? "" : b ? "yes" : "NO");
      }
    }
    t.print(out);
    if (r.containsKey("warm")) {
      Map<String, Object> warm = (Map<String, Object>) r.get("warm");
      Map<String, Object> cold = (Map<String, Object>) r.get("cold");
      Map<String, Object> bw = (Map<String, Object>) base.get("warm");
      Map<String, Object> bc = (Map<String, Object>) base.get("cold");
      out.printf("%nusers: %s (warm %s, cold %s)%n", fmt(r.get("users")), fmt(warm.get("users")), fmt(cold.get("users")));
      Tables g = new Tables("metric", "warm: model", "warm: baseline", "cold: model", "cold: baseline");
      for (String k : warm.keySet()) {
        if (!k.equals("users")) {
          g.row(k, warm.get(k), bw.get(k), cold.get(k), bc.get(k));
        }
      }
      g.print(out);
    }
    if (r.containsKey("calibration")) {
      out.printf("%ncalibration (model)%n");
      Tables c = new Tables("predicted", "examples", "mean predicted", "observed rate");
      for (Object o : (List<Object>) r.get("calibration")) {
        if (o instanceof RankingMetrics.Bin b) {
          c.row(String.format("%.1f-%.1f", b.lo(), b.hi()), b.count(), b.meanPredicted(), b.observedRate());
        }
      }
      c.print(out);
    }
    if (better.containsValue(false)) {
      out.printf("%nThe model does NOT beat the %s baseline on: %s%n", base.get("name"),
          better.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList());
    } else {
      out.printf("%nThe model beats the %s baseline on every headline metric.%n", base.get("name"));
    }
  }

  private static String fmt(Object o) {
    return o instanceof Number n ? String.format("%,d", n.longValue()) : String.valueOf(o);
  }
}
