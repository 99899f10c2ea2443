package dev.tandem.cli;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.CalibrationBin;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.train.Refit;
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
    EvaluationResult result = Evaluation.evaluate(dir, ds, s, job.eval(), checkpoint);
    dir.writeJson(dir.eval(s), result);
    print(spec.commandLine().getOut(), result);
    spec.commandLine().getOut().printf("%nwritten: %s%n", dir.eval(s));
    if (Refit.dir(dir).exists()) {
      spec.commandLine().getOut().printf("this run was refit on train + validation (train.refit): evaluate the model to deploy with "
          + "tandem evaluate --run %s --split %s%n", Refit.dir(dir).root(), s.key());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }

  static void print(PrintWriter out, EvaluationResult r) {
    Scores model = r.scores();
    EvaluationResult.Baseline base = r.baseline();
    out.printf("%s on the %s split (checkpoint %s)%n%n", r.model(), r.split(), r.checkpoint());
    Tables t = new Tables("metric", "model", base.name(), "model better");
    Map<String, Boolean> better = r.beatsBaseline();
    model.values().forEach((name, value) -> {
      if (!name.equals("users") && !name.equals("examples")) {
        Boolean b = better.get(name);
        t.row(name, value, base.scores().values().get(name), b == null ? "" : b ? "yes" : "NO");
      }
    });
    t.print(out);
    Scores warm = model.groups().get("warm");
    Scores cold = model.groups().get("cold");
    if (warm != null && cold != null) {
      Map<String, Double> bw = group(base.scores(), "warm");
      Map<String, Double> bc = group(base.scores(), "cold");
      out.printf("%nusers: %s (warm %s, cold %s)%n", fmt(model.values().get("users")), fmt(warm.values().get("users")),
          fmt(cold.values().get("users")));
      Tables g = new Tables("metric", "warm: model", "warm: baseline", "cold: model", "cold: baseline");
      warm.values().forEach((name, value) -> {
        if (!name.equals("users")) {
          g.row(name, value, bw.get(name), cold.values().get(name), bc.get(name));
        }
      });
      g.print(out);
    }
    if (!model.calibration().isEmpty()) {
      out.printf("%ncalibration (model)%n");
      Tables c = new Tables("predicted", "examples", "mean predicted", "observed rate");
      for (CalibrationBin b : model.calibration()) {
        c.row(String.format("%.1f-%.1f", b.lo(), b.hi()), b.count(), b.meanPredicted(), b.observedRate());
      }
      c.print(out);
    }
    if (!r.beatsBaselineEverywhere()) {
      out.printf("%nThe model does NOT beat the %s baseline on: %s%n", base.name(),
          better.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList());
    } else {
      out.printf("%nThe model beats the %s baseline on every headline metric.%n", base.name());
    }
  }

  private static Map<String, Double> group(Scores scores, String name) {
    Scores g = scores.groups().get(name);
    return g == null ? Map.of() : g.values();
  }

  private static String fmt(Object o) {
    return o instanceof Number n ? String.format("%,d", n.longValue()) : String.valueOf(o);
  }
}
