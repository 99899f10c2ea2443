package dev.tandem.trainer.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.LabelRule;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * A model's configuration together with the input layout derived from the dataset's fitted transform: everything
 * needed to rebuild the same graph and feed it (saved with every checkpoint and serving bundle).
 *
 * @param config the model section of the job
 * @param query  inputs of the user (query) tower, or all inputs of a ranking model
 * @param item   inputs of the item tower (two-tower only, else null)
 * @param targets the outputs of a ranking model (one binary target, or ordinal thresholds)
 */
public record ModelSpec(ModelConfig config, InputGroup query, InputGroup item, Targets targets) {
  /** The version of {@code spec.json}'s format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  /**
   * A ranking model's outputs: the indicator {@code signal op threshold} for each threshold; {@code main} is the
   * dataset's own label. Without ordinal targets there is one threshold and no signal: the stored label is the target.
   */
  public record Targets(String signal, String op, List<Double> thresholds, int main) {
    public static final Targets LABEL = new Targets(null, null, List.of(), 0);

    /** How many outputs the model has. */
    @JsonIgnore
    public int count() {
      return signal == null ? 1 : thresholds.size();
    }
  }

  /** The spec of a model section over a dataset's features, with the label as its one target. */
  public static ModelSpec of(ModelConfig config, FeatureTransform transform) {
    return of(config, transform, Targets.LABEL);
  }

  /**
   * Ordinal targets from the label rule ("rating >= 4") and the train values of its column: every distinct value
   * (at most 9, else deciles) becomes a threshold, and the rule's own threshold is always one of them.
   */
  public static Targets ordinalTargets(LabelRule rule, float[] trainValues) {
    if (!rule.op().equals(">=") && !rule.op().equals(">")) {
      throw new ConfigException("model.ordinal", "needs a label rule with >= or > (the label is " + rule + ")");
    }
    TreeSet<Double> distinct = new TreeSet<>();
    for (float v : trainValues) {
      if (!Float.isNaN(v)) {
        distinct.add((double) v);
      }
    }
    List<Double> values = new ArrayList<>(distinct);
    List<Double> th = new ArrayList<>();
    if (values.size() <= 10) {
      // ">= min" (or "> max") is always true (false): no information
      for (Double v : values) {
        if (rule.op().equals(">=") ? v > values.get(0) : v < values.get(values.size() - 1)) {
          th.add(v);
        }
      }
    } else {
      float[] sorted = trainValues.clone();
      Arrays.sort(sorted);
      for (int q = 1; q < 10; q++) {
        double v = sorted[(int) ((long) q * (sorted.length - 1) / 10)];
        if (!th.contains(v)) {
          th.add(v);
        }
      }
    }
    if (!th.contains(rule.threshold())) {
      th.add(rule.threshold());
    }
    Collections.sort(th);
    return new Targets(rule.column(), rule.op(), List.copyOf(th), th.indexOf(rule.threshold()));
  }

  /**
   * The spec of a model section over a dataset's features: a two-tower's user and item inputs (every user and context
   * feature, every item feature, unless the section names them), or a ranking model's inputs and targets.
   *
   * @throws ConfigException naming the model key when a feature does not suit where the section puts it
   */
  public static ModelSpec of(ModelConfig config, FeatureTransform transform, Targets targets) {
    for (String f : config.featureDropout().keySet()) {
      boolean indexed = transform.features().stream().anyMatch(x -> x.name().equals(f) && x.cardinality() > 0
          && !(x instanceof FittedFeature.MultiHot) && !(x instanceof FittedFeature.ItemSequence));
      if (!indexed) {
        throw new ConfigException("model.feature_dropout." + f, "is not a categorical or bucketized dataset feature");
      }
    }
    List<String> user = config.userFeatures();
    List<String> item = config.itemFeatures();
    if (config.type() == ModelConfig.Type.TWO_TOWER) {
      if (user == null) {
        user = names(transform, Entity.USER, Entity.CONTEXT).stream().filter(f -> !transform.dependsOnItem(f)).toList();
      }
      if (item == null) {
        item = names(transform, Entity.ITEM);
      }
      for (String f : item) {
        if (transform.feature(f).entity() != Entity.ITEM) {
          throw new ConfigException("model.item_features", "'" + f + "' is a " + transform.feature(f).entity() + " feature; the item tower takes item features only");
        }
      }
      for (String f : user) {
        if (transform.feature(f).entity() == Entity.ITEM) {
          throw new ConfigException("model.user_features", "'" + f + "' is an item feature; the user tower takes user and context features");
        }
        if (transform.dependsOnItem(f)) {
          throw new dev.tandem.config.ConfigException("model.user_features", "'" + f + "' depends on the event's item; the user tower does not "
              + "know the item: use it in a ranking model");
        }
      }
      checkNotEmpty(user, "model.user_features");
      checkNotEmpty(item, "model.item_features");
      return new ModelSpec(config, InputGroup.of("user", transform, user), InputGroup.of("item", transform, item), Targets.LABEL);
    }
    if (user == null) {
      user = names(transform, Entity.USER, Entity.CONTEXT, Entity.ITEM);
    }
    checkNotEmpty(user, "model.user_features");
    return new ModelSpec(config, InputGroup.of("x", transform, user, config.historyPooling() == ModelConfig.HistoryPooling.ATTENTION), null,
        targets);
  }

  private static void checkNotEmpty(List<String> l, String key) {
    if (l.isEmpty()) {
      throw new ConfigException(key, "no features");
    }
  }

  private static List<String> names(FeatureTransform t, Entity... entities) {
    List<String> out = new ArrayList<>();
    for (FittedFeature f : t.features()) {
      for (Entity e : entities) {
        if (f.entity() == e) {
          out.add(f.name());
        }
      }
    }
    return out;
  }

  @JsonIgnore
  public boolean isTwoTower() {
    return config.type() == ModelConfig.Type.TWO_TOWER;
  }
}
