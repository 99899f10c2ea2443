package dev.tandem.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /**
   * The job as YAML for a run directory's {@code job.yaml}: the loaded tree (overrides included) with every relative
   * file location (top-level {@code prepared}; {@code path} and {@code dir} under {@code dataset.source}) resolved
   * against the job file's directory, so that {@code tandem train --resume RUN}, which reads the job from the run
   * directory, finds the same inputs wherever the run directory is.
   */
  public static String runYaml(ConfigLoader.Loaded<JobConfig> job) {
    ObjectNode tree = ((ObjectNode) job.tree()).deepCopy();
    absolutise(tree, "prepared", job.baseDir());
    JsonNode source = tree.path("dataset").path("source");
    if (source instanceof ObjectNode o) {
      absolutiseAll(o, job.baseDir());
    }
    try {
      return ConfigLoader.yaml().writeValueAsString(tree);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void absolutiseAll(ObjectNode node, String baseDir) {
    absolutise(node, "path", baseDir);
    absolutise(node, "dir", baseDir);
    node.fields().forEachRemaining(f -> {
      if (f.getValue() instanceof ObjectNode child) {
        absolutiseAll(child, baseDir);
      }
    });
  }

  private static void absolutise(ObjectNode node, String field, String baseDir) {
    JsonNode v = node.get(field);
    if (v != null && v.isTextual() && !v.asText().isEmpty()) {
      node.put(field, dev.tandem.fs.Fs.resolve(baseDir, v.asText()).toString());
    }
  }

  /** Loads a job file (any Hadoop URI) with {@code key=value} overrides. */
  public static ConfigLoader.Loaded<JobConfig> load(String location, List<String> overrides) {
    return ConfigLoader.load(location, JobConfig.class, overrides);
  }
}
