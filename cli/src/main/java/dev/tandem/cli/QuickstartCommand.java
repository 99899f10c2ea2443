package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.AliasState;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem quickstart}: the whole path on the embedded synthetic default. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "On synthetic data, locally: prepare and inspect the dataset, train the two-tower and the ranking model, "
        + "evaluate both against their baselines, export them to a local registry, promote them to production and recommend through it.")
final class QuickstartCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--work", description = "Working directory (default: $TANDEM_HOME or ./tandem-work).")
  String work;
  @Option(names = "--set", description = "Override a key of both jobs, e.g. --set dataset.source.events=50000 (repeatable).")
  List<String> overrides = new ArrayList<>();

  /** Where the example jobs are: the repository that scripts/tandem runs from, else the working directory. */
  static File examples() {
    String root = System.getProperty("tandem.root");
    return new File(root != null ? root : ".", "examples");
  }

  @Override
  public Integer call() {
    String home = work != null ? work : Context.home();
    String dir = home + "/quickstart";
    PrintWriter out = spec.commandLine().getOut();
    List<String[]> results = new ArrayList<>();
    boolean first = true;
    for (String job : List.of("synthetic-two-tower.yaml", "synthetic-ranking.yaml")) {
      File file = new File(examples(), job);
      if (!file.exists()) {
        throw new IllegalArgumentException("example job " + file + " not found: run quickstart from the repository (scripts/tandem quickstart)");
      }
      ConfigLoader.Loaded<JobConfig> loaded = JobConfig.load(file.getPath(), overrides);
      JobConfig c = loaded.value();
      PreparedDataset ds = Datasets.resolve(loaded, home + "/cache", Context.progress());
      if (first) {
        out.println("== synthetic data, prepared: " + ds.dir());
        DataCommand.printSummary(out, ds);
        DataCommand.printProfile(out, ds, "train");
        first = false;
      }
      RunDirectory run = RunDirectory.at(dir + "/" + c.name());
      try {
        Fs.delete(run.root());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot clear " + run.root(), e);
      }
      out.printf("%n== training %s (%s)%n", c.name(), c.model().type().key());
      out.flush();
      new LocalTrainer().train(new RunRequest(loaded, run, ds, false, Context.progress()));
      EvaluationResult eval = Evaluation.evaluate(run, ds, SplitName.TEST, c.eval(), "best");
      run.writeJson(run.eval(SplitName.TEST), eval);
      out.printf("%n== %s on the test split%n", c.name());
      EvaluateCommand.print(out, eval);
      results.add(new String[] {c.name(), run.root().toString()});
    }
    // the serving half: both models as one registry version, promoted, and a recommendation through the registry
    String registry = dir + "/registry";
    FsModelRegistry reg = FsModelRegistry.at(registry);
    VersionManifest m = BundleExporter.export(reg, "quickstart", new BundleExporter.Request(results.get(0)[1], "best", results.get(1)[1], "best",
        null, null));
    out.printf("%n== exported both models to the registry: %s v%d%n", m.name(), m.version());
    ExportCommand.printModels(out, m);
    AliasState p = reg.promote(m.name(), "production", m.version());
    out.printf("production of %s: %s -> v%d%n", m.name(), p.previous() == null ? "(new)" : "v" + p.previous(), p.version());
    ModelRef ref = ModelRef.parse(reg.root() + "/" + m.name() + "@production", null);
    ServingBundle bundle = ServingBundle.load(ref);
    String user = bundle.users().id(0);
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      out.printf("%n== recommend --model %s --user %s%n", ref, user);
      RecommendCommand.print(out, rec.recommend(RecommendRequest.of(user, 10)), ref);
    }

    out.printf("%nWhere things are:%n");
    for (String[] r : results) {
      RunDirectory run = RunDirectory.at(r[1]);
      out.printf("  %s%n    checkpoints: %s%n    metrics:     %s%n    curves:      %s%n    evaluation:  %s%n", r[0], run.checkpoints(),
          run.metrics(), run.curves(), run.eval(SplitName.TEST));
    }
    out.printf("  registry: %s (tandem registry list %s)%n", reg.root(), reg.root());
    out.printf("%nnext: scripts/tandem serve --model %s --port 8080, then curl 'http://127.0.0.1:8080/recommend?user=%s&k=10'%n", ref, user);
    out.flush();
    return 0;
  }
}
