package dev.tandem.trainer;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.train.Datasets;
import java.nio.file.Path;
import java.util.List;

/** Small synthetic jobs that train in seconds, for tests. */
public final class SmallJobs {
  private SmallJobs() {}

  public static final String DATASET = """
      dataset:
        source: {format: synthetic, users: 300, items: 150, events: 12000, days: 30, seed: 3}
        label: "watch_seconds >= 30"
        min_shards: 2
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: age, entity: user, kind: numeric}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
          - {name: device, entity: context, kind: categorical}
      """;

  public static String twoTower(int epochs) {
    return "name: tt\nseed: 11\n" + DATASET + """
        model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8, user_features: [user_id, country, age], feature_dropout: {user_id: 0.1}}
        train: {epochs: %d, batch_size: 128, learning_rate: 0.005, warmup_steps: 5, decay: cosine, checkpoint_every: 20, keep_checkpoints: 2,
                early_stopping: {patience: 0}}
        eval: {k: [10, 20]}
        """.formatted(epochs);
  }

  public static String ranking(String architecture, int epochs) {
    return "name: rk\nseed: 11\n" + DATASET + """
        model: {type: ranking, architecture: %s, embedding_dim: 8, hidden: [16], cross_layers: 1, dropout: 0.1}
        train: {epochs: %d, batch_size: 256, learning_rate: 0.005, checkpoint_every: 15, early_stopping: {patience: 0}}
        """.formatted(architecture, epochs);
  }

  public static ConfigLoader.Loaded<JobConfig> load(String yaml, Path dir, String... overrides) {
    return ConfigLoader.parse(yaml, "test-job.yaml", dir.toString(), JobConfig.class, List.of(overrides));
  }

  public static PreparedDataset dataset(ConfigLoader.Loaded<JobConfig> job, Path dir) {
    return Datasets.resolve(job, dir.resolve("cache").toString(), Progress.NONE);
  }
}
