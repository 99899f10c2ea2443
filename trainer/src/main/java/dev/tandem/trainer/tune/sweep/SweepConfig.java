package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.tune.ParamSpec;
import dev.tandem.trainer.tune.SamplerConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A hyperparameter sweep ({@code sweep.yaml}): a base job, a search space over its keys, the objective, the budget,
 * how trials are sampled and whether weak trials are stopped early. Validated on load; every error names its key
 * (e.g. {@code space.train.learning_rate.low: must be > 0 for loguniform}).
 *
 * <pre>
 * name: ml100k-sweep
 * seed: 7
 * base: movielens-100k-two-tower.yaml          # the job every trial starts from (relative to this file)
 * set: {train.epochs: 18}                       # fixed overrides of every trial, like tandem train --set
 * space:                                        # job key -> dimension (see ParamSpec)
 *   train.learning_rate: {type: loguniform, low: 0.0005, high: 0.01}
 *   model.embedding_dim: {type: choice, values: [16, 32, 64]}
 * objective: {metric: recall@10, split: validation, direction: max}
 * sampler: {type: random}                       # grid, random or tpe
 * budget: {max_trials: 12, max_parallel: 2, max_minutes: 20}
 * scheduler: {type: asha, min_epochs: 2, eta: 3}   # or none
 * trial: {jvm_options: [-Xmx2g]}
 * </pre>
 *
 * @param name      a short name (the default sweep directory is $TANDEM_HOME/sweeps/NAME)
 * @param seed      seeds the sampling of trials (the trials' own training seed is the base job's unless searched)
 * @param base      the base job file, relative to the sweep file (or any Hadoop URI)
 * @param set       fixed {@code key: value} overrides applied to every trial before the sampled ones
 * @param space     the searched job keys (dotted paths, as for --set) and their ranges, in sampling order
 * @param objective what a trial is judged by
 * @param sampler   how parameter values are chosen
 * @param budget    how many trials, how many at once, and for how long
 * @param scheduler whether and how weak trials are stopped early
 * @param trial     options of the trial processes
 */
public record SweepConfig(String name, Long seed, String base, Map<String, JsonNode> set, Map<String, ParamSpec> space, Objective objective,
    SamplerConfig sampler, Budget budget, Scheduler scheduler, Trial trial) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** A job key as --set takes it: dotted names, each optionally indexed. */
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_\\-]+(\\[\\d+\\])*(\\.[A-Za-z0-9_\\-]+(\\[\\d+\\])*)*");

  public SweepConfig {
    name = Check.orDefault(name, "sweep");
    Check.that(NAME.matcher(name).matches(), "name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
    seed = Check.orDefault(seed, 0L);
    Check.requiredText(base, "base");
    set = set == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(set));
    for (String k : set.keySet()) {
      Check.that(KEY.matcher(k).matches(), "set." + k, "is not a job key (a dotted path such as train.epochs)");
    }
    Check.that(space != null && !space.isEmpty(), "space", "must define at least one parameter (job key: {type: ..., ...})");
    for (Map.Entry<String, ParamSpec> e : space.entrySet()) {
      Check.that(KEY.matcher(e.getKey()).matches(), "space." + e.getKey(), "is not a job key (a dotted path such as train.learning_rate)");
      Check.that(e.getValue() != null, "space." + e.getKey(), "needs a dimension, e.g. {type: uniform, low: 0.1, high: 0.5}");
      Check.that(!set.containsKey(e.getKey()), "space." + e.getKey(), "is also fixed under set: a key is either searched or set");
      Check.that(!e.getKey().equals("name") && !e.getKey().startsWith("cluster."), "space." + e.getKey(),
          "cannot be searched (trials share the job's name and cluster)");
    }
    space = Collections.unmodifiableMap(new LinkedHashMap<>(space));
    Check.required(objective, "objective");
    sampler = Check.orDefault(sampler, new SamplerConfig(null, null, null, null));
    budget = Check.orDefault(budget, new Budget(null, null, null));
    if (sampler.type() != SamplerConfig.Type.GRID && budget.maxTrials() == null) {
      throw new ConfigException("budget.max_trials", "is required with " + sampler.type().key() + " sampling (only a grid has a natural size)");
    }
    if (sampler.type() == SamplerConfig.Type.GRID) {
      for (Map.Entry<String, ParamSpec> e : space.entrySet()) {
        ParamSpec p = e.getValue();
        if (p.type() == ParamSpec.Type.INT && p.points() == null && !p.log()) {
          double n = Math.floor((p.high() - p.low()) / (p.step() == null ? 1 : p.step())) + 1;
          Check.that(n <= ParamSpec.MAX_INT_GRID, "space." + e.getKey() + ".points",
              "the range holds " + (long) n + " integers: give points: N for a grid of N of them");
        }
      }
    }
    scheduler = Check.orDefault(scheduler, new Scheduler(null, null, null, null));
    trial = Check.orDefault(trial, new Trial(null, null));
  }

  /** Loads a sweep file (any Hadoop URI); errors name the key. */
  public static ConfigLoader.Loaded<SweepConfig> load(String location) {
    return ConfigLoader.load(location, SweepConfig.class, List.of());
  }

  /** Parses a sweep from text; relative paths are resolved against {@code baseDir}. */
  public static ConfigLoader.Loaded<SweepConfig> parse(String yaml, String source, String baseDir) {
    return ConfigLoader.parse(yaml, source, baseDir, SweepConfig.class, List.of());
  }

  /**
   * What a trial is judged by.
   *
   * @param metric    a validation metric of the job, as in metrics.jsonl without the {@code val_} prefix: recall@K,
   *                  ndcg@K or hitrate@K (K from the job's eval.k) for two-tower jobs, auc or logloss for ranking
   * @param split     validation (default: the best epoch's value during training) or test (the finished trial's best
   *                  checkpoint is evaluated on the test split: the test result then no longer estimates unseen data)
   * @param direction max or min (default: min for losses and errors, max otherwise)
   */
  public record Objective(String metric, String split, String direction) {
    public Objective {
      Check.requiredText(metric, "metric");
      metric = Metric.parse(metric).name();
      split = Check.orDefault(split, "validation");
      Check.oneOf(split, List.of("validation", "test"), "split");
      direction = Check.orDefault(direction, Metric.named(metric).maximised() ? "max" : "min");
      Check.oneOf(direction, List.of("max", "min"), "direction");
    }

    /** The objective's metric in the direction the sweep asks for. */
    public Metric asMetric() {
      return new Metric(metric, direction.equals("max") ? Metric.Direction.MAXIMISE : Metric.Direction.MINIMISE);
    }

    /** Whether a larger value is better. */
    public boolean maximize() {
      return asMetric().maximised();
    }

    /** True if {@code a} is strictly better than {@code b} (NaN is worse than anything). */
    public boolean better(double a, double b) {
      return asMetric().better(a, b);
    }
  }

  /**
   * The budget.
   *
   * @param maxTrials   how many trials to run in all (a grid defaults to its size)
   * @param maxParallel how many run at once (default 1); on this machine the cores are divided between them
   * @param maxMinutes  wall-clock limit of the sweep, counted over all its sessions (a resumed sweep continues the
   *                    clock); when reached, no trial starts and running ones are stopped. Default: none.
   */
  public record Budget(Integer maxTrials, Integer maxParallel, Double maxMinutes) {
    public Budget {
      if (maxTrials != null) {
        Check.positive(maxTrials, "max_trials");
        Check.that(maxTrials <= 9999, "max_trials", "must be <= 9999, was " + maxTrials);
      }
      maxParallel = Check.orDefault(maxParallel, 1);
      Check.positive(maxParallel, "max_parallel");
      Check.that(maxParallel <= 256, "max_parallel", "must be <= 256, was " + maxParallel);
      if (maxMinutes != null) {
        Check.positive(maxMinutes, "max_minutes");
      }
    }
  }

  /**
   * Early stopping of weak trials.
   *
   * @param type      none, or asha (asynchronous successive halving): at rungs of min_epochs * eta^k epochs, a trial
   *                  continues only if its objective is in the top 1/eta of the values recorded at that rung so far
   * @param minEpochs asha: the first rung (every trial trains at least this many epochs; default 1)
   * @param eta       asha: the reduction factor (default 3)
   * @param maxEpochs asha: the epoch budget of a trial (default: the trial job's train.epochs); rungs lie below it
   */
  public record Scheduler(Type type, Integer minEpochs, Integer eta, Integer maxEpochs) {
    public Scheduler {
      type = Check.orDefault(type, Type.NONE);
      if (type == Type.NONE) {
        Check.that(minEpochs == null && eta == null && maxEpochs == null, "type", "min_epochs, eta and max_epochs only apply to type: asha");
      }
      minEpochs = Check.orDefault(minEpochs, 1);
      Check.positive(minEpochs, "min_epochs");
      eta = Check.orDefault(eta, 3);
      Check.that(eta >= 2, "eta", "must be >= 2, was " + eta);
      if (maxEpochs != null) {
        Check.positive(maxEpochs, "max_epochs");
        Check.that(maxEpochs > minEpochs, "max_epochs", "must be greater than min_epochs (" + minEpochs + ") for ASHA to stop anything");
      }
    }

    /** The schedulers. */
    public enum Type implements ConfigEnum {
      NONE, ASHA
    }
  }

  /**
   * Options of the trial processes.
   *
   * @param jvmOptions extra JVM options of each trial process (e.g. -Xmx2g)
   * @param cores      cores per trial on this machine (default: the machine's cores divided by max_parallel, at least 1)
   */
  public record Trial(List<String> jvmOptions, Integer cores) {
    public Trial {
      jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
      for (int i = 0; i < jvmOptions.size(); i++) {
        Check.that(jvmOptions.get(i) != null && jvmOptions.get(i).startsWith("-"), "jvm_options[" + i + "]", "must be a JVM option (starting with -)");
      }
      if (cores != null) {
        Check.positive(cores, "cores");
      }
    }
  }
}
