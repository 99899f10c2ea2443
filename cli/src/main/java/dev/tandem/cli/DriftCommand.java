package dev.tandem.cli;

import dev.tandem.cli.retrain.DriftReports;
import dev.tandem.cli.retrain.Predictions;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.drift.DriftAnalysis;
import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.datasets.drift.DriftThresholds;
import dev.tandem.datasets.drift.FeatureDrift;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.profile.SplitProfile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.serving.registry.VerifiedVersion;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.RunDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem drift}: current data against a reference, per feature; exit 0 ok, 1 warn, 2 alert. */
@Command(name = "drift", mixinStandardHelpOptions = true,
    description = {"Compare current data with a reference: per feature PSI, Jensen-Shannon distance, Kolmogorov-Smirnov (numerics) and"
        + " out-of-vocabulary rate, the label rate, optionally a ranking model's score distribution; prints a table and writes drift.json"
        + " and drift.html. Exit code: 0 ok, 1 warn, 2 alert (3 when the command itself fails on bad input, 4 otherwise)."})
final class DriftCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--reference", required = true, paramLabel = "DIR|REGISTRY/NAME@REF",
      description = "A prepared dataset, or a registry version (its profile.json, the dataset it was trained on).")
  String reference;
  @Option(names = "--reference-split", defaultValue = "train", description = "Split of the reference (default: ${DEFAULT-VALUE}).")
  String referenceSplit;
  @Option(names = "--current", paramLabel = "DIR", description = "The current data: a prepared dataset.")
  String current;
  @Option(names = "--job", paramLabel = "JOB", description = "The current data: a raw log through this job's dataset section (prepared into"
      + " the cache like tandem train does), instead of --current.")
  String job;
  @Option(names = "--cache", description = "With --job: where prepared datasets are cached (default: $TANDEM_HOME/cache).")
  String cache;
  @Option(names = "--current-split", defaultValue = "test", description = "Split of the current data (default: ${DEFAULT-VALUE}).")
  String currentSplit;
  @Option(names = "--thresholds", paramLabel = "FILE", description = "Thresholds (YAML: psi, jensen_shannon, oov_rate, label_rate: {warn, alert};"
      + " prediction: {warn, alert}; drift_share); default: psi 0.1/0.25, jensen_shannon 0.1/0.2, oov_rate 0.05/0.2, label_rate 0.03/0.1,"
      + " drift_share 0.5.")
  String thresholds;
  @Option(names = "--model", paramLabel = "RUN", description = "A ranking run whose best checkpoint scores both sides (prediction drift);"
      + " both must be splits of the dataset it was trained on.")
  String model;
  @Option(names = "--out", paramLabel = "DIR", description = "Where drift.json and drift.html go (default: $TANDEM_HOME/drift).")
  String out;

  @Override
  public Integer call() throws IOException {
    if ((current == null) == (job == null)) {
      throw new IllegalArgumentException("give the current data as --current DIR or --job JOB (one of them)");
    }
    DriftThresholds t = thresholds == null ? DriftThresholds.DEFAULT
        : ConfigLoader.load(thresholds, DriftThresholds.class, List.of()).value();
    SplitName rs = SplitName.of(referenceSplit);
    SplitName cs = SplitName.of(currentSplit);
    PreparedDataset refDs = null;
    SplitProfile ref;
    String refName;
    if (reference.contains("@")) {
      ModelRef mr = ModelRef.parse(reference, null);
      FsModelRegistry reg = FsModelRegistry.at(mr.registry());
      int v = reg.resolve(mr.name(), mr.ref());
      VerifiedVersion vv = reg.read(mr.name(), v);
      DatasetProfile p = Persisted.read(vv.file(ServingBundle.PROFILE), DatasetProfile.class, DatasetProfile.FORMAT,
          new Path(vv.dir(), ServingBundle.PROFILE).toString());
      ref = split(p, rs, reference);
      refName = mr.registry() + "/" + mr.name() + "@v" + v + " (" + rs.key() + ")";
    } else {
      refDs = PreparedDataset.open(reference);
      ref = split(refDs.profile(), rs, reference);
      refName = refDs.dir() + " (" + rs.key() + ")";
    }
    PreparedDataset curDs;
    if (job != null) {
      ConfigLoader.Loaded<JobConfig> j = JobConfig.load(job, List.of());
      curDs = Datasets.resolve(j, cache != null ? cache : Context.home() + "/cache", Context.progress());
    } else {
      curDs = PreparedDataset.open(current);
    }
    SplitProfile cur = split(curDs.profile(), cs, curDs.dir().toString());
    DriftReport report = DriftAnalysis.compare(refName, ref, curDs.dir() + " (" + cs.key() + ")", cur, t);
    if (model != null) {
      if (refDs == null || !refDs.fingerprint().equals(curDs.fingerprint())) {
        throw new IllegalArgumentException("--model scores both sides with one feature transform: give --reference and --current as splits of"
            + " the same prepared dataset (the one the run was trained on)");
      }
      Checkpoint c = Evaluation.checkpoint(RunDirectory.at(model), "best");
      report = report.withPrediction(DriftAnalysis.scores(toDouble(Predictions.of(c, refDs, rs)), toDouble(Predictions.of(c, curDs, cs)), t));
    }
    Path dir = Fs.path(out != null ? out : Context.home() + "/drift");
    Path html;
    try {
      html = DriftReports.write(report, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the drift report into " + dir, e);
    }
    PrintWriter w = spec.commandLine().getOut();
    print(w, report);
    w.printf("%nwritten: %s, %s%n", new Path(dir, DriftReport.FILE), html);
    w.flush();
    return report.status().exitCode();
  }

  static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static SplitProfile split(DatasetProfile p, SplitName s, String where) {
    SplitProfile sp = p.splits().get(s.key());
    if (sp == null || sp.events() == 0) {
      throw new IllegalArgumentException(where + " has no events in its " + s.key() + " split (splits: " + p.splits().keySet() + ")");
    }
    return sp;
  }

  static void print(PrintWriter out, DriftReport r) {
    out.printf("reference: %s, %,.0f events%ncurrent:   %s, %,.0f events%n%n", r.reference(), r.events().reference(), r.current(),
        r.events().current());
    Tables t = new Tables("feature", "kind", "status", "psi", "jensen-shannon", "ks", "ks p", "oov ref", "oov cur");
    for (FeatureDrift f : r.features()) {
      t.row(f.name(), f.kind(), f.status().key(), f.psi(), f.jensenShannon(), f.ks(), f.ksPValue(), f.oovReference(), f.oovCurrent());
    }
    if (r.prediction() != null) {
      FeatureDrift f = r.prediction();
      t.row(f.name(), f.kind(), f.status().key(), f.psi(), f.jensenShannon(), f.ks(), f.ksPValue(), null, null);
    }
    t.print(out);
    out.printf("%nlabel rate: %.4f -> %.4f (%s)%n", r.labelRate().reference(), r.labelRate().current(), r.labelRate().status().key());
    out.printf("drift: %s%s%n", r.status().key().toUpperCase(java.util.Locale.ROOT), r.reasons().isEmpty() ? "" : " (" + String.join("; ",
        r.reasons()) + ")");
  }
}
