package dev.tandem.cli.retrain;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.Durations;
import dev.tandem.datasets.drift.DriftThresholds;
import java.util.List;

/**
 * {@code RETRAIN.yaml}: how a retraining cycle takes its data, trains a challenger and decides between it and the
 * champion.
 *
 * @param name    names the state directory (default {@code $TANDEM_HOME/retrain/NAME})
 * @param job     the job file (relative to this file) whose dataset section reads the log and whose model is retrained;
 *                a ranking model (the gate compares probabilities)
 * @param set     overrides of the job for every model the loop trains, e.g. {@code train.epochs=3}
 * @param window  {@code every}: the newest window's length and the cadence (e.g. {@code 7d}); {@code kind}:
 *                {@code expanding} (train on everything before the window)
 * @param gate    when a challenger replaces the champion
 * @param drift   drift thresholds (see {@link DriftThresholds})
 * @param state   where cycles, datasets, models and the champion are kept (default {@code $TANDEM_HOME/retrain/NAME})
 * @param registry optional: a registry whose alias follows the loop's decisions ({@code tandem retrain}; not the backtest)
 */
public record RetrainConfig(String name, String job, List<String> set, Window window, Gate gate, DriftThresholds drift, String state,
    Registry registry) {

  /**
   * The registry alias the loop moves: promoted challengers are published as versions of {@code name} and
   * {@code alias} moves to them; every decision, kept or promoted, is an entry of the alias's log with its evidence.
   */
  public record Registry(String uri, String name, String alias) {
    @JsonCreator
    public static Registry of(@JsonProperty("uri") String uri, @JsonProperty("name") String name, @JsonProperty("alias") String alias) {
      return new Registry(uri, name, orDefault(alias, "production"));
    }

    public Registry {
      Check.requiredText(uri, "uri");
      Check.requiredText(name, "name");
      try {
        dev.tandem.serving.registry.ModelName.check(name);
        dev.tandem.serving.registry.ModelName.checkAlias(alias);
      } catch (IllegalArgumentException e) {
        throw new dev.tandem.config.ConfigException("name", e.getMessage());
      }
    }
  }

  /** The windows of a cycle. */
  public record Window(String every, String kind) {
    @JsonCreator
    public static Window of(@JsonProperty("every") String every, @JsonProperty("kind") String kind) {
      return new Window(orDefault(every, "7d"), orDefault(kind, "expanding"));
    }

    public Window {
      Check.that(Durations.seconds(every, "every") > 0, "every", "must be > 0");
      Check.oneOf(kind, List.of("expanding"), "kind");
    }

    public long seconds() {
      return Durations.seconds(every, "window.every");
    }
  }

  /**
   * The promotion gate.
   *
   * @param metric              auc (higher is better) or logloss (lower is better), compared on the newest window
   * @param margin              the challenger must beat the champion by more than this, at the lower end of the
   *                            paired bootstrap interval (default 0: better with the interval above zero)
   * @param confidence          of the bootstrap intervals (default 0.9)
   * @param bootstrap           resamples (default 300)
   * @param unit                what is resampled: {@code users} (all events of a user together; default) or {@code events}
   * @param maxCalibrationError the challenger's expected calibration error must not exceed it (default 0.1)
   * @param tolerance           no headline metric (auc, logloss) may be worse than the champion's by more than this
   *                            (default 0.01)
   * @param maxLatencyMs        the challenger's p99 time to score one request of {@code candidates} items (default 50)
   * @param candidates          items per request in that bench (default 100)
   */
  public record Gate(String metric, double margin, double confidence, int bootstrap, String unit, double maxCalibrationError,
      double tolerance, double maxLatencyMs, int candidates) {
    public static final Gate DEFAULT = of(null, null, null, null, null, null, null, null, null);

    @JsonCreator
    public static Gate of(@JsonProperty("metric") String metric, @JsonProperty("margin") Double margin,
        @JsonProperty("confidence") Double confidence, @JsonProperty("bootstrap") Integer bootstrap, @JsonProperty("unit") String unit,
        @JsonProperty("max_calibration_error") Double maxCalibrationError, @JsonProperty("tolerance") Double tolerance,
        @JsonProperty("max_latency_ms") Double maxLatencyMs, @JsonProperty("candidates") Integer candidates) {
      return new Gate(orDefault(metric, "auc"), orDefault(margin, 0.0), orDefault(confidence, 0.9), orDefault(bootstrap, 300),
          orDefault(unit, "users"), orDefault(maxCalibrationError, 0.1), orDefault(tolerance, 0.01), orDefault(maxLatencyMs, 50.0),
          orDefault(candidates, 100));
    }

    public Gate {
      Check.oneOf(metric, List.of("auc", "logloss"), "metric");
      Check.that(margin >= 0, "margin", "must be >= 0");
      Check.that(confidence > 0.5 && confidence < 1, "confidence", "must be in (0.5, 1)");
      Check.that(bootstrap >= 50, "bootstrap", "must be >= 50");
      Check.oneOf(unit, List.of("users", "events"), "unit");
      Check.that(maxCalibrationError > 0, "max_calibration_error", "must be > 0");
      Check.that(tolerance >= 0, "tolerance", "must be >= 0");
      Check.that(maxLatencyMs > 0, "max_latency_ms", "must be > 0");
      Check.positive(candidates, "candidates");
    }

    /** Whether larger values of the metric are better. */
    public boolean maximised() {
      return metric.equals("auc");
    }
  }

  @JsonCreator
  public static RetrainConfig of(@JsonProperty("name") String name, @JsonProperty("job") String job, @JsonProperty("set") List<String> set,
      @JsonProperty("window") Window window, @JsonProperty("gate") Gate gate, @JsonProperty("drift") DriftThresholds drift,
      @JsonProperty("state") String state, @JsonProperty("registry") Registry registry) {
    return new RetrainConfig(name, job, orDefault(set, List.of()), orDefault(window, Window.of(null, null)), orDefault(gate, Gate.DEFAULT),
        orDefault(drift, DriftThresholds.DEFAULT), state, registry);
  }

  public RetrainConfig {
    Check.requiredText(name, "name");
    Check.that(name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"), "name", "must be 1-64 letters, digits, '_', '-' or '.'");
    Check.requiredText(job, "job");
    set = List.copyOf(set);
    for (int i = 0; i < set.size(); i++) {
      Check.that(set.get(i) != null && set.get(i).contains("="), "set[" + i + "]", "must be key=value");
    }
  }

  /** Loads and validates a retrain config. */
  public static ConfigLoader.Loaded<RetrainConfig> load(String location) {
    return ConfigLoader.load(location, RetrainConfig.class, List.of());
  }
}
