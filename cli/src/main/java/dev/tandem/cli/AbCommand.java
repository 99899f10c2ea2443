package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.synth.ClickModel;
import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.experiment.AbReport;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.LoadGenerator;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.http.RecommendServer;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.serving.registry.VersionManifest;
import java.time.Duration;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem ab}: online A/B experiments (report, simulate). */
@Command(name = "ab", mixinStandardHelpOptions = true,
    description = "Online A/B experiments: the report of an experiment from its impression and feedback logs, and a simulated experiment"
        + " on loopback. Experiments themselves run in `tandem serve --challenger`.",
    subcommands = {AbCommand.Report.class, AbCommand.Exposures.class, AbCommand.Simulate.class})
final class AbCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code ab report}. */
  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Per arm: users, impressions, each feedback event's rate and value per impression with confidence intervals (delta"
          + " method over users); the challenger's difference with its interval and p-value; a sample-ratio-mismatch check. Reads the"
          + " impression and feedback logs, nothing else.")
  static final class Report implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--dir", paramLabel = "URI", description = "The experiment's directory, holding impressions/ and feedback/ (what serve"
        + " writes by default: REGISTRY/NAME/experiments/EXPERIMENT).")
    String dir;
    @Option(names = "--impressions", paramLabel = "URI", description = "The impression log (default: DIR/impressions).")
    String impressions;
    @Option(names = "--feedback", paramLabel = "URI", description = "The feedback log (default: DIR/feedback).")
    String feedback;
    @Option(names = "--confidence", defaultValue = "0.95", description = "The intervals' confidence (default: ${DEFAULT-VALUE}).")
    double confidence;
    @Option(names = "--json", description = "Print the report as JSON instead of tables.")
    boolean json;
    @Option(names = "--out", paramLabel = "URI", description = "Also write report.json and a self-contained report.html here.")
    String out;

    @Override
    public Integer call() throws Exception {
      if (dir == null && (impressions == null || feedback == null)) {
        throw new IllegalArgumentException("give --dir, or both --impressions and --feedback");
      }
      Path imp = impressions != null ? Fs.path(impressions) : new Path(Fs.path(dir), "impressions");
      Path fb = feedback != null ? Fs.path(feedback) : new Path(Fs.path(dir), "feedback");
      AbReport.Report r = AbReport.read(imp, fb, confidence);
      PrintWriter w = spec.commandLine().getOut();
      if (json) {
        w.println(new String(AbReport.json(r), StandardCharsets.UTF_8));
        w.flush();
      } else {
        AbPages.table(r, w);
      }
      if (out != null) {
        Path o = Fs.path(out);
        Fs.mkdirs(o);
        Fs.writeAtomically(new Path(o, "report.json"), s -> s.write(AbReport.json(r)));
        Fs.writeAtomically(new Path(o, "report.html"), s -> s.write(AbPages.html(r).getBytes(StandardCharsets.UTF_8)));
        (json ? spec.commandLine().getErr() : w).printf("report: %s (and report.json)%n", Fs.shown(new Path(o, "report.html")));
        (json ? spec.commandLine().getErr() : w).flush();
      }
      return 0;
    }
  }

  /** {@code ab exposures}. */
  @Command(name = "exposures", mixinStandardHelpOptions = true,
      description = "Join the impression and feedback logs into an exposure log for retraining: one CSV row per item of every logged"
          + " answer, with the clicks, watch seconds and rating it got (items shown and ignored included). `tandem data prepare"
          + " --config examples/exposures-events.yaml` reads it.")
  static final class Exposures implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--dir", required = true, paramLabel = "URI", description = "The directory holding impressions/ and feedback/.")
    String dir;
    @Option(names = "--out", required = true, paramLabel = "URI", description = "The CSV file to write.")
    String out;

    @Override
    public Integer call() throws Exception {
      Path d = Fs.path(dir);
      dev.tandem.serving.experiment.Exposures.Written w = dev.tandem.serving.experiment.Exposures.write(new Path(d, "impressions"),
          new Path(d, "feedback"), Fs.path(out));
      PrintWriter p = spec.commandLine().getOut();
      p.printf("%,d impressions, %,d rows (items shown) written to %s; %,d feedback rows read, %,d (request, item) pairs with feedback"
          + " that no impression showed (left out)%n", w.impressions(), w.rows(), Fs.shown(Fs.path(out)), w.feedback(), w.feedbackUnmatched());
      p.flush();
      return 0;
    }
  }

  /** {@code ab simulate}. */
  @Command(name = "simulate", mixinStandardHelpOptions = true,
      description = "A simulated experiment on loopback: serves --model (control) and --challenger as an experiment with impression"
          + " logging, replays the synthetic population the models were trained on (their job's synthetic source), decides clicks from"
          + " the generator's planted preferences (a ground-truth click model with a position bias) and posts them as feedback, then"
          + " prints the report and writes it (report.html, report.json) beside the logs. Bounded in requests and time.")
  static final class Simulate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--model", required = true, paramLabel = "REF", description = "The control arm, REGISTRY/NAME@REF.")
    String model;
    @Option(names = "--challenger", required = true, paramLabel = "REF", description = "The challenger arm, REGISTRY/NAME@REF (or NAME@REF in the control's registry).")
    String challenger;
    @Option(names = "--share", defaultValue = "0.5", description = "Share of users assigned to the challenger (default: ${DEFAULT-VALUE}).")
    double share;
    @Option(names = "--requests", defaultValue = "20000", description = "Requests in all (default: ${DEFAULT-VALUE}).")
    int requests;
    @Option(names = "--seconds", defaultValue = "300", description = "Time budget (default: ${DEFAULT-VALUE}).")
    double seconds;
    @Option(names = "--users", description = "Users of the population (default: every user of the synthetic log).")
    Integer users;
    @Option(names = "--k", defaultValue = "10", description = "Items per answer (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the population's requests and clicks (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--plant-assignment-bug", paramLabel = "FRACTION", description = "Plant a bug: this fraction of the challenger's"
        + " users is served by the control (the report's sample-ratio check should flag it).")
    Double bug;
    @Option(names = "--out", required = true, paramLabel = "URI", description = "Directory for impressions/, feedback/ and the report.")
    String out;

    @Override
    public Integer call() throws Exception {
      ModelRef cref = ModelRef.parse(model, null).orElse("production");
      ModelRef tref = ServeCommand.challengerRef(challenger, cref);
      ServingBundle control = ServingBundle.load(cref);
      ServingBundle chall = ServingBundle.load(tref);
      SyntheticSource source = syntheticSource(control);
      SyntheticSource other = syntheticSource(chall);
      if (!source.params().equals(other.params())) {
        throw new IllegalArgumentException("the arms were trained on different synthetic logs (" + source.params() + " vs " + other.params()
            + "): one population cannot be both");
      }
      ClickModel truth = ClickModel.of(source.params());
      String name = "sim-" + seed; // the salt too: the same seed assigns the same users to the same arms
      Assignment fair = Assignment.salted(name, share);
      Assignment assignment = fair;
      if (bug != null) {
        if (!(bug > 0 && bug < 1)) {
          throw new IllegalArgumentException("--plant-assignment-bug must be a fraction in (0, 1), was " + bug);
        }
        double f = bug;
        assignment = user -> fair.arm(user) == Arm.CHALLENGER && Assignment.bucket("planted-bug", user) < f ? Arm.CONTROL : fair.arm(user);
      }
      Path dir = Fs.path(out);
      Path imp = new Path(dir, "impressions");
      Path fb = new Path(dir, "feedback");
      if (Fs.exists(imp) || Fs.exists(fb)) {
        throw new IllegalArgumentException("--out " + Fs.shown(dir) + " already holds an experiment's logs: the report would mix the"
            + " runs; give a new directory");
      }
      PrintWriter w = spec.commandLine().getOut();
      LoadGenerator.Result run;
      ExperimentRecommender exp = new ExperimentRecommender(name, share, assignment, new BundleRecommender(control), new BundleRecommender(chall));
      try (Tracking tracking = Tracking.open(imp, fb, ServingConfig.defaults().impressions(), name, share)) {
        RecommendServer server = RecommendServer.start(exp, tracking, "127.0.0.1", 0,
            RecommendServer.Settings.defaults(Runtime.getRuntime().availableProcessors()));
        try {
          w.printf("experiment %s on %s: control %s v%d, challenger %s v%d, share %.2f%s; population %,d users, %,d requests at most,"
                  + " %.0f s at most%n", name, server.uri(), control.name(), control.version(), chall.name(), chall.version(), share,
              bug == null ? "" : String.format(", PLANTED BUG: %.0f%% of the challenger's users served by the control", 100 * bug),
              users != null ? users : truth.users(), requests, seconds);
          w.flush();
          run = LoadGenerator.run(server.uri(), truth, new LoadGenerator.Settings(users != null ? users : truth.users(), requests,
              Duration.ofMillis(Math.round(seconds * 1000)), k, clients, seed));
        } finally {
          server.close();
          exp.close();
        }
      }
      w.printf("simulated %,d requests in %.1f s (%,d failed, stopped by %s); clicks per impression as decided: %s%n%n", run.answered(),
          run.seconds(), run.failed(), run.stoppedBy(), clickRates(run));
      AbReport.Report r = AbReport.read(imp, fb, 0.95);
      AbPages.table(r, w);
      Fs.writeAtomically(new Path(dir, "report.json"), s -> s.write(AbReport.json(r)));
      Fs.writeAtomically(new Path(dir, "report.html"), s -> s.write(AbPages.html(r).getBytes(StandardCharsets.UTF_8)));
      w.printf("report: %s (and report.json); again with: tandem ab report --dir %s%n", Fs.shown(new Path(dir, "report.html")), Fs.shown(dir));
      w.flush();
      return 0;
    }

    private static String clickRates(LoadGenerator.Result run) {
      StringBuilder sb = new StringBuilder();
      run.byArm().forEach((arm, x) -> sb.append(sb.length() == 0 ? "" : ", ").append(arm).append(' ')
          .append(String.format("%.4f", x[0] == 0 ? Double.NaN : (double) x[1] / x[0])));
      return sb.toString();
    }

    /** The synthetic source of the job a bundle's first model was trained with. */
    private static SyntheticSource syntheticSource(ServingBundle b) {
      VersionManifest m = FsModelRegistry.at(b.dir().getParent().getParent().toString()).manifest(b.name(), b.version());
      for (VersionManifest.ModelEntry entry : m.models().values()) {
        JsonNode src = entry.config() == null ? null : entry.config().path("dataset").path("source");
        if (src != null && src.path("format").asText("").equals("synthetic")) {
          try { // absent keys take the source's defaults, as when the job was loaded
            return dev.tandem.format.Persisted.json().treeToValue(src, SyntheticSource.class);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(b.name() + " v" + b.version() + ": its job's synthetic source cannot be read: " + e.getMessage(), e);
          }
        }
      }
      throw new IllegalArgumentException(b.name() + " v" + b.version() + " was not trained on a synthetic log (dataset.source.format:"
          + " synthetic), so there is no ground truth to simulate its users with");
    }
  }
}
