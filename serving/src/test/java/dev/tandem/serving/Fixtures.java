package dev.tandem.serving;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A two-tower run and a ranking run on one small synthetic dataset, trained once per test JVM (a few seconds) and
 * shared by the serving tests, which only read them.
 */
public final class Fixtures {
  public static final String DATASET = """
      dataset:
        source: {format: synthetic, users: 300, items: 150, events: 12000, days: 30, seed: 3}
        label: "watch_seconds >= 30"
        min_shards: 2
        features:
          - {name: user_id, entity: user, kind: categorical, vocab: {oov_buckets: 2}}
          - {name: country, entity: user, kind: categorical}
          - {name: age, entity: user, kind: numeric}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
          - {name: device, entity: context, kind: categorical}
      """;

  public static final String TWO_TOWER = "name: tt\nseed: 11\n" + DATASET + """
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8, user_features: [user_id, country, age, device],
              feature_dropout: {user_id: 0.2}}
      train: {epochs: 3, batch_size: 128, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      eval: {k: [10, 20]}
      """;

  public static final String RANKING = "name: rk\nseed: 11\n" + DATASET + """
      model: {type: ranking, architecture: dcn, embedding_dim: 8, hidden: [16], cross_layers: 1}
      train: {epochs: 2, batch_size: 256, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      """;

  /**
   * The same data with point-in-time history features (scalars: counts, a rate, a mean of another outcome column, the
   * time since the user's last event, the item's count) and an availability delay of one minute.
   */
  public static final String HISTORY_DATASET = """
      dataset:
        source: {format: synthetic, users: 300, items: 150, events: 12000, days: 30, seed: 3}
        label: "watch_seconds >= 30"
        split: {train: 0.8, validation: 0.1, test: 0.1}
        availability_delay: 1m
        min_shards: 2
        features:
          - {name: user_id, entity: user, kind: categorical, vocab: {oov_buckets: 2}}
          - {name: country, entity: user, kind: categorical}
          - {name: age, entity: user, kind: numeric}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
          - {name: device, entity: context, kind: categorical}
          - {name: user_events, kind: history_count, of: user}
          - {name: user_positives_7d, kind: history_count, of: user, events: positives, window: 7d}
          - {name: user_rate, kind: history_rate, of: user, smoothing: 5}
          - {name: user_click_rate, kind: history_mean, of: user, source: click, smoothing: 2}
          - {name: since_last, kind: time_since, of: user}
          - {name: item_events, kind: history_count, of: item}
          - {name: item_rate_30d, kind: history_rate, of: item, window: 30d, smoothing: 5}
          - {name: recent, kind: history_items, of: user, n: 8}
          - {name: affinity, kind: history_share, of: user, source: category, smoothing: 2}
      """;

  /** A two-tower whose user tower reads the user's history. */
  public static final String HISTORY_TWO_TOWER = "name: tth\nseed: 11\n" + HISTORY_DATASET + """
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8,
              user_features: [user_id, country, age, device, user_events, user_positives_7d, user_rate, user_click_rate, since_last,
                              recent]}
      train: {epochs: 2, batch_size: 128, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      eval: {k: [10]}
      """;

  /** A ranking model reading every feature, the item's history among them, attending over the user's recent items. */
  public static final String HISTORY_RANKING = "name: rkh\nseed: 11\n" + HISTORY_DATASET + """
      model: {type: ranking, architecture: dcn, embedding_dim: 8, hidden: [16], cross_layers: 1, history_pooling: attention}
      train: {epochs: 2, batch_size: 256, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      """;

  /** Where the runs and their dataset are. */
  public record Runs(Path root, PreparedDataset dataset, RunDirectory twoTower, RunDirectory ranking) {}

  private static Runs runs;
  private static dev.tandem.serving.bundle.ServingBundle bundle;
  private static Runs historyRuns;
  private static dev.tandem.serving.bundle.ServingBundle historyBundle;

  private Fixtures() {}

  public static synchronized Runs runs() {
    if (runs == null) {
      runs = trainPair("tandem-serving-fixtures", TWO_TOWER, RANKING);
    }
    return runs;
  }

  /** A two-tower and a ranking run in a temporary directory removed when the JVM exits. */
  private static Runs trainPair(String prefix, String twoTower, String ranking) {
    try {
      Path root = Files.createTempDirectory(prefix);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
      RunDirectory tt = train(twoTower, root);
      RunDirectory rk = train(ranking, root);
      return new Runs(root, PreparedDataset.open(tt.readInfo().datasetPath()), tt, rk);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The two runs with history features, trained once per JVM. */
  public static synchronized Runs historyRuns() {
    if (historyRuns == null) {
      historyRuns = trainPair("tandem-serving-history-fixtures", HISTORY_TWO_TOWER, HISTORY_RANKING);
    }
    return historyRuns;
  }

  /** The history runs exported once to {@code ROOT/registry/recs-history@v1} and loaded back. */
  public static synchronized dev.tandem.serving.bundle.ServingBundle historyBundle() {
    if (historyBundle == null) {
      Runs r = historyRuns();
      var registry = dev.tandem.serving.registry.FsModelRegistry.at(historyRegistry());
      dev.tandem.serving.bundle.BundleExporter.export(registry, "recs-history", new dev.tandem.serving.bundle.BundleExporter.Request(
          r.twoTower().root().toString(), "best", r.ranking().root().toString(), "best", null, null));
      historyBundle = dev.tandem.serving.bundle.ServingBundle.load(registry, "recs-history", "v1");
    }
    return historyBundle;
  }

  /** Where {@link #historyBundle()} is published (as {@code recs-history}). */
  public static String historyRegistry() {
    return historyRuns().root().resolve("registry").toString();
  }

  /** Both runs exported once to a local registry ({@code ROOT/registry/recs@v1}) and loaded back. */
  public static synchronized dev.tandem.serving.bundle.ServingBundle bundle() {
    if (bundle == null) {
      Runs r = runs();
      var registry = dev.tandem.serving.registry.FsModelRegistry.at(r.root().resolve("registry").toString());
      dev.tandem.serving.bundle.BundleExporter.export(registry, "recs", new dev.tandem.serving.bundle.BundleExporter.Request(
          r.twoTower().root().toString(), "best", r.ranking().root().toString(), "best", null, null));
      bundle = dev.tandem.serving.bundle.ServingBundle.load(registry, "recs", "v1");
    }
    return bundle;
  }

  private static RunDirectory train(String yaml, Path root) {
    ConfigLoader.Loaded<JobConfig> job = ConfigLoader.parse(yaml, "test-job.yaml", root.toString(), JobConfig.class, List.of());
    PreparedDataset ds = Datasets.resolve(job, root.resolve("cache").toString(), Progress.NONE);
    RunDirectory run = RunDirectory.at(root.resolve("runs/" + job.value().name()).toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    return run;
  }

  static void deleteQuietly(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temporary directory
    }
  }
}
