package dev.tandem.trainer;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetConfig;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.train.TrainConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A job: the whole YAML file a user writes. Sections are validated on load and every error names its key.
 *
 * @param name     a short name for runs and registry entries
 * @param seed     the seed of every random choice (data order, initialisation, sampling)
 * @param dataset  where the data comes from and how it is featurised and split
 * @param prepared optional: an already prepared dataset to train on (skips preparation)
 * @param model    the model (required to train)
 * @param train    the training loop
 * @param eval     evaluation settings
 * @param cluster  where training runs (this JVM by default, or a Spark cluster)
 */
public record JobConfig(String name, Long seed, DatasetConfig dataset, String prepared, ModelConfig model, TrainConfig train,
    EvalConfig eval, ClusterSection cluster) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public JobConfig {
    name = Check.orDefault(name, "job");
    Check.that(NAME.matcher(name).matches(), "name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
    seed = Check.orDefault(seed, 42L);
    Check.that(dataset != null || prepared != null, "dataset", "is required (or give prepared: PATH)");
    train = Check.orDefault(train, TrainConfig.DEFAULT);
    eval = Check.orDefault(eval, EvalConfig.DEFAULT);
    cluster = Check.orDefault(cluster, ClusterSection.LOCAL);
  }

  /** Loads a job file (any Hadoop URI) with {@code key=value} overrides. */
  public static ConfigLoader.Loaded<JobConfig> load(String location, List<String> overrides) {
    return ConfigLoader.load(location, JobConfig.class, overrides);
  }
}
