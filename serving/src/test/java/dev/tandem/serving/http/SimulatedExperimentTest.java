package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.synth.ClickModel;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.experiment.AbReport;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.LoadGenerator;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small simulated experiment on loopback (the CI size of {@code tandem ab simulate}): a synthetic population asks an
 * experiment server for recommendations, clicks decided by the synthetic generator's planted preferences; the trained
 * model against one that barely trained. The report must find the better arm with significance and see no sample-ratio
 * mismatch; with an assignment bug planted in the server, the report must flag the mismatch.
 */
class SimulatedExperimentTest {
  @TempDir
  static Path dir;
  static FsModelRegistry registry;
  static ClickModel truth;

  /** The trained model (two-tower and ranking) is v1; a two-tower trained one epoch at a learning rate too small to learn is v2. */
  @BeforeAll
  static void models() {
    Fixtures.Runs runs = Fixtures.runs();
    registry = FsModelRegistry.at(dir.resolve("registry").toString());
    BundleExporter.export(registry, "recs", new BundleExporter.Request(runs.twoTower().root().toString(), "best",
        runs.ranking().root().toString(), "best", null, null));
    String worse = "name: untrained\nseed: 11\n" + Fixtures.DATASET + """
        model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8, user_features: [user_id, country, age, device]}
        train: {epochs: 1, batch_size: 512, learning_rate: 0.0000001, checkpoint_every: 0, early_stopping: {patience: 0}}
        eval: {k: [10]}
        """;
    ConfigLoader.Loaded<JobConfig> job = ConfigLoader.parse(worse, "untrained.yaml", runs.root().toString(), JobConfig.class, List.of());
    PreparedDataset ds = Datasets.resolve(job, runs.root().resolve("cache").toString(), Progress.NONE);
    RunDirectory run = RunDirectory.at(dir.resolve("runs/untrained").toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    BundleExporter.export(registry, "recs", new BundleExporter.Request(run.root().toString(), "best", null, null, null, null));
    // the generator's parameters of Fixtures.DATASET: the same users, items and planted tastes
    truth = ClickModel.of(new SyntheticSource(300, 150, 12_000L, null, 30, 3L, null, null, null, null).params());
  }

  private static AbReport.Report experiment(String name, Assignment assignment, int requests) throws Exception {
    ExperimentRecommender exp = new ExperimentRecommender(name, 0.5, assignment,
        new BundleRecommender(ServingBundle.load(registry, "recs", "v2")), new BundleRecommender(ServingBundle.load(registry, "recs", "v1")));
    org.apache.hadoop.fs.Path imp = Fs.path(dir.resolve(name + "/impressions").toString());
    org.apache.hadoop.fs.Path fb = Fs.path(dir.resolve(name + "/feedback").toString());
    LoadGenerator.Result run;
    try (Tracking tracking = Tracking.open(imp, fb, ServingConfig.defaults().impressions(), name, 0.5)) {
      RecommendServer server = RecommendServer.start(exp, tracking, "127.0.0.1", 0, RecommendServer.Settings.defaults(2));
      try {
        run = LoadGenerator.run(server.uri(), truth, new LoadGenerator.Settings(300, requests, Duration.ofSeconds(60), 10, 4, 5));
      } finally {
        server.close();
        exp.close();
      }
    }
    AbReport.Report r = AbReport.read(imp, fb, 0.95);
    AbReport.Difference d = r.difference("click");
    System.err.printf("simulated experiment %s: %d requests in %.1f s (%d failed); clicks/impression control %.4f, challenger %.4f;"
            + " report: difference %.4f [%.4f, %.4f] p=%.2g; users %d / %d, SRM p=%.2g%n", name, run.answered(), run.seconds(), run.failed(),
        r.arm("control").rates().get("click").rate(), r.arm("challenger").rates().get("click").rate(), d.difference(), d.low(), d.high(),
        d.pValue(), r.srm().controlUsers(), r.srm().challengerUsers(), r.srm().pValue());
    assertThat(run.failed()).isZero();
    assertThat(r.counts().impressions()).isEqualTo(run.answered());
    assertThat(r.counts().feedbackUnknownRequest()).isZero();
    // the report's rates are the clicks the simulation decided, read back from the logs alone
    assertThat(r.arm("challenger").rates().get("click").rate()).isEqualTo(run.clickRate("challenger"));
    return r;
  }

  @Test
  void theReportFindsTheBetterModelAndNoMismatch() throws Exception {
    AbReport.Report r = experiment("sim-fair", Assignment.salted("sim-fair", 0.5), 2000);
    assertThat(r.srm().mismatch()).isFalse();
    AbReport.Difference d = r.difference("click");
    assertThat(d.significant()).isTrue();
    assertThat(d.low()).isGreaterThan(0); // the trained model (the challenger) gets more clicks
  }

  @Test
  void aPlantedAssignmentBugIsFlaggedBySampleRatioMismatch() throws Exception {
    Assignment fair = Assignment.salted("sim-bug", 0.5);
    // the bug: a third of the challenger's users are served by the control (say, a cache keyed without the arm)
    Assignment buggy = user -> fair.arm(user) == Arm.CHALLENGER && Assignment.bucket("cache", user) < 1 / 3.0 ? Arm.CONTROL : fair.arm(user);
    AbReport.Report r = experiment("sim-bug", buggy, 1200);
    assertThat(r.srm().mismatch()).isTrue();
    assertThat(r.warnings().get(0)).startsWith("sample ratio mismatch");
  }
}
