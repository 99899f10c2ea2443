package dev.tandem.trainer;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetConfig;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.FeatureKind;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A job: the whole YAML file a user writes. Sections are validated on load and every error names its key.
 *
 * @param name     a short name for runs and registry entries
 * @param seed     the seed of every random choice (data order, initialisation, sampling)
 * @param dataset  where the data comes from and how it is featurised and split
 * @param prepared optional: an already prepared dataset to train on (skips preparation; {@code tandem train --data DIR}
 *                 sets it). With a dataset section too, it must have been prepared from that section and the same raw
 *                 files (checked when it is opened)
 * @param model    the model (required to train)
 * @param train    the training loop
 * @param eval     evaluation settings
 * @param cluster  where training runs (this JVM by default, or a Spark cluster)
 */
public record JobConfig(String name, long seed, DatasetConfig dataset, String prepared, ModelConfig model, TrainConfig train,
    EvalConfig eval, ClusterSection cluster) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * The job as its file reads, with every key it leaves out (null) at its default: name {@code job}, seed 42, and the
   * sections' own defaults ({@link TrainConfig#DEFAULT}, {@link EvalConfig#DEFAULT}, {@link ClusterSection#LOCAL}).
   */
  @JsonCreator
  public static JobConfig of(@JsonProperty("name") String name, @JsonProperty("seed") Long seed, @JsonProperty("dataset") DatasetConfig dataset,
      @JsonProperty("prepared") String prepared, @JsonProperty("model") ModelConfig model, @JsonProperty("train") TrainConfig train,
      @JsonProperty("eval") EvalConfig eval, @JsonProperty("cluster") ClusterSection cluster) {
    return new JobConfig(orDefault(name, "job"), orDefault(seed, 42L), dataset, prepared, model, orDefault(train, TrainConfig.DEFAULT),
        orDefault(eval, EvalConfig.DEFAULT), orDefault(cluster, ClusterSection.LOCAL));
  }

  public JobConfig {
    Check.that(NAME.matcher(Check.required(name, "name")).matches(), "name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
    Check.that(dataset != null || prepared != null, "dataset", "is required (or give prepared: PATH)");
    Check.required(train, "train");
    Check.required(eval, "eval");
    Check.required(cluster, "cluster");
    if (model != null) {
      checkEarlyStoppingMetric(model, train, eval);
      if (model.embeddings().beside() && (train.workers() > 1 || cluster.mode() != ClusterSection.Mode.LOCAL)) {
        throw new ConfigException("model.embeddings.store", "tables beside the network are trained by one training thread (the in-process "
            + "store on its machine, or one worker of the parameter-server shards): use train.workers: 1 and cluster.mode: local (this job has "
            + train.workers() + " workers, cluster.mode " + cluster.mode().key() + ")");
      }
      boolean sharded = model.embeddings().store() == dev.tandem.trainer.model.EmbeddingsConfig.Store.SHARDED;
      if (sharded && cluster.parameterServer() == null) {
        throw new ConfigException("model.embeddings.store", "sharded tables need their shards: add cluster.parameter_server.shards "
            + "(host:port of each; scripts/local-cluster.sh start --shards N starts them on this machine)");
      }
      if (!sharded && cluster.parameterServer() != null) {
        throw new ConfigException("cluster.parameter_server", "is used by model.embeddings.store: sharded only (this model's store is "
            + model.embeddings().store().key() + ")");
      }
      if (dataset != null) {
        // every reference of the model to the dataset is checked on load, before any data is read
        checkModel(model, Feature.of(dataset), "dataset.features");
      }
    }
  }

  /**
   * What a model section may refer to: a feature's name, the entity it describes, and whether it is an index into an
   * embedding table (categorical or bucketized; multi-hot ones are bags of indices).
   */
  public record Feature(String name, Entity entity, boolean indexed, boolean multiHot, boolean dependsOnItem) {
    /** The features a job's dataset section declares. */
    public static List<Feature> of(DatasetConfig dataset) {
      return dataset.features().stream()
          .map(f -> new Feature(f.name(), f.entity(), f.isIndexed() && f.kind() != FeatureKind.HISTORY_ITEMS,
              f.kind() == FeatureKind.MULTI_HOT || f.kind() == FeatureKind.HISTORY_ITEMS,
              f.isHistory() && (f.of() == Entity.ITEM || f.kind() == FeatureKind.HISTORY_SHARE))).toList();
    }

    /** The features a prepared dataset was encoded with. */
    public static List<Feature> of(FeatureTransform transform) {
      return transform.features().stream()
          .map(f -> new Feature(f.name(), f.entity(), f.cardinality() > 0 && !(f instanceof FittedFeature.ItemSequence),
              f instanceof FittedFeature.MultiHot || f instanceof FittedFeature.ItemSequence, transform.dependsOnItem(f.name()))).toList();
    }
  }

  /**
   * The validation metric that chooses the model's best epoch and drives early stopping: {@code
   * train.early_stopping.metric}, else Recall@K at the first {@code eval.k} for retrieval and AUC for ranking.
   *
   * @throws ConfigException when the job has no model
   */
  public Metric validationMetric() {
    requireModel();
    return Metric.watched(train.earlyStopping().metric(), model.type() == ModelConfig.Type.TWO_TOWER, eval.k());
  }

  /** Fails unless the job has a model section: preparing data for a job that cannot train would be wasted. */
  public void requireModel() {
    if (model == null) {
      throw new ConfigException("model", "is required to train (a model section with type: two_tower or ranking; see examples/)");
    }
  }

  /**
   * Checks the model section against the features of the dataset it will train on (for a job with only
   * {@code prepared:}, the prepared dataset's): every feature it names exists and suits where it is used.
   *
   * @param where names the feature list in errors, e.g. {@code dataset.features}
   * @throws ConfigException naming the key, e.g. {@code model.user_features[2]: no feature 'income' in dataset.features
   *     (known: user_id, country, item_id)}
   */
  public void checkModelAgainst(List<Feature> features, String where) {
    if (model != null) {
      checkModel(model, features, where);
    }
  }

  private static void checkModel(ModelConfig model, List<Feature> features, String where) {
    Map<String, Feature> byName = new LinkedHashMap<>();
    features.forEach(f -> byName.put(f.name(), f));
    String known = " (known: " + String.join(", ", byName.keySet()) + ")";
    boolean twoTower = model.type() == ModelConfig.Type.TWO_TOWER;
    List<String> user = model.userFeatures() == null ? List.of() : model.userFeatures();
    for (int i = 0; i < user.size(); i++) {
      Feature f = byName.get(user.get(i));
      String key = "model.user_features[" + i + "]";
      if (f == null) {
        throw new ConfigException(key, "no feature '" + user.get(i) + "' in " + where + known);
      }
      if (twoTower && f.entity() == Entity.ITEM) {
        throw new ConfigException(key, "'" + f.name() + "' is an item feature; the user tower takes user and context features");
      }
      if (twoTower && f.dependsOnItem()) {
        throw new ConfigException(key, "'" + f.name() + "' depends on the event's item (an item's history, or the user's affinity for "
            + "the item); the user tower does not know the item: use it in a ranking model");
      }
    }
    List<String> item = model.itemFeatures() == null ? List.of() : model.itemFeatures();
    for (int i = 0; i < item.size(); i++) {
      Feature f = byName.get(item.get(i));
      String key = "model.item_features[" + i + "]";
      if (f == null) {
        throw new ConfigException(key, "no feature '" + item.get(i) + "' in " + where + known);
      }
      if (f.entity() != Entity.ITEM) {
        throw new ConfigException(key, "'" + f.name() + "' is a " + f.entity().name().toLowerCase(Locale.ROOT)
            + " feature; the item tower takes item features only");
      }
    }
    for (String name : new TreeSet<>(model.featureDropout().keySet())) {
      Feature f = byName.get(name);
      String key = "model.feature_dropout." + name;
      if (f == null) {
        throw new ConfigException(key, "no feature '" + name + "' in " + where + known);
      }
      if (!f.indexed() || f.multiHot()) {
        throw new ConfigException(key, "is not a categorical or bucketized feature (dropout replaces one id by 'unknown')");
      }
    }
  }

  /** The metric early stopping watches must be one that validation computes for this model. */
  private static void checkEarlyStoppingMetric(ModelConfig model, TrainConfig train, EvalConfig eval) {
    String metric = train.earlyStopping().metric();
    if (metric == null) {
      return;
    }
    List<String> known = new ArrayList<>();
    if (model.type() == ModelConfig.Type.TWO_TOWER) {
      eval.k().forEach(k -> known.add(Metric.recall(k).name()));
      eval.k().forEach(k -> known.add(Metric.ndcg(k).name()));
      eval.k().forEach(k -> known.add(Metric.hitRate(k).name()));
    } else {
      known.addAll(List.of(Metric.AUC.name(), Metric.LOGLOSS.name()));
    }
    Check.that(known.contains(metric), "train.early_stopping.metric", "'" + metric + "' is not a validation metric of a "
        + model.type().key() + " model with eval.k " + eval.k() + " (known: " + String.join(", ", known) + ")");
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
    } catch (JsonProcessingException e) {
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
      node.put(field, Fs.resolve(baseDir, v.asText()).toString());
    }
  }

  /** Loads a job file (any Hadoop URI) with {@code key=value} overrides. */
  public static ConfigLoader.Loaded<JobConfig> load(String location, List<String> overrides) {
    return ConfigLoader.load(location, JobConfig.class, overrides);
  }
}
