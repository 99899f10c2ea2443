package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import java.util.List;

/**
 * One dimension of a search space, as written under {@code space.<job key>} in a sweep file:
 *
 * <pre>
 *   train.learning_rate: {type: loguniform, low: 0.0003, high: 0.01}
 *   model.temperature:   {type: uniform, low: 0.05, high: 0.5, step: 0.05}
 *   model.embedding_dim: {type: choice, values: [16, 32, 64]}
 *   model.hidden:        {type: choice, values: [[64], [128, 64]]}
 *   train.batch_size:    {type: int, low: 128, high: 1024, log: true}
 * </pre>
 *
 * @param type   choice, uniform, loguniform or int
 * @param values choice: the values (any YAML value: numbers, strings, lists, mappings)
 * @param low    uniform, loguniform, int: the lower bound (inclusive)
 * @param high   uniform, loguniform, int: the upper bound (inclusive)
 * @param step   uniform, int: sampled values are low + k * step (int: default 1)
 * @param log    int: sample uniformly in log space (for sizes spanning orders of magnitude)
 * @param points grid sampling of uniform, loguniform and int: how many evenly spaced values (log-spaced for
 *               loguniform and log int) the grid takes; default 3 for uniform and loguniform, every value for int
 */
public record ParamSpec(Type type, List<JsonNode> values, Double low, Double high, Double step, Boolean log, Integer points) {
  /** Grids over an int range with more values than this must say how many points to take. */
  /** The most integers an int range may hold to be a grid dimension without {@code points}. */
  public static final int MAX_INT_GRID = 1000;

  public ParamSpec {
    Check.required(type, "type");
    log = Check.orDefault(log, false);
    if (type == Type.CHOICE) {
      Check.that(values != null && !values.isEmpty(), "values", "a choice needs a non-empty list of values");
      Check.that(low == null, "low", "is not used by a choice (it takes values: [...])");
      Check.that(high == null, "high", "is not used by a choice (it takes values: [...])");
      Check.that(step == null, "step", "is not used by a choice (it takes values: [...])");
      Check.that(points == null, "points", "is not used by a choice: a grid takes every value");
      Check.that(!log, "log", "is not used by a choice");
      values = List.copyOf(values.stream().map(v -> v == null ? NullNode.getInstance() : v).toList());
    } else {
      Check.that(values == null, "values", "is only used by type: choice (" + type.key() + " takes low and high)");
      Check.required(low, "low");
      Check.required(high, "high");
      Check.that(Double.isFinite(low), "low", "must be a finite number");
      Check.that(Double.isFinite(high), "high", "must be a finite number");
      Check.that(high > low, "high", "must be greater than low (" + fmt(low) + "), was " + fmt(high));
      if (type == Type.LOGUNIFORM) {
        Check.that(low > 0, "low", "must be > 0 for loguniform, was " + fmt(low));
        Check.that(step == null, "step", "is not used by loguniform (values are spread over orders of magnitude)");
        Check.that(!log, "log", "is implied by loguniform");
      }
      if (type == Type.UNIFORM) {
        Check.that(!log, "log", "use type: loguniform for a log scale");
      }
      if (type == Type.INT) {
        Check.that(low == Math.rint(low), "low", "must be an integer for type int, was " + fmt(low));
        Check.that(high == Math.rint(high), "high", "must be an integer for type int, was " + fmt(high));
        if (step != null) {
          Check.that(step == Math.rint(step), "step", "must be an integer for type int, was " + fmt(step));
        }
        if (log) {
          Check.that(low >= 1, "low", "must be >= 1 with log: true, was " + fmt(low));
          Check.that(step == null, "step", "cannot be combined with log: true");
        }
      }
      if (step != null) {
        Check.that(step > 0 && Double.isFinite(step), "step", "must be > 0, was " + fmt(step));
        Check.that(step <= high - low, "step", "must not exceed high - low (" + fmt(high - low) + "), was " + fmt(step));
      }
      if (points != null) {
        Check.that(points >= 2, "points", "a grid needs at least 2 points, was " + points);
      }
    }
  }

  static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
  }

  /** The kinds of dimension. */
  public enum Type implements ConfigEnum {
    CHOICE, UNIFORM, LOGUNIFORM, INT
  }
}
