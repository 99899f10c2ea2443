package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The searched job keys and their ranges, in the order of the sweep file. A trial's parameters are a map from job key
 * to value ({@link JsonNode}: a number, or any YAML value of a choice), applied to the base job as {@code --set}
 * overrides.
 */
public final class SearchSpace {
  private final List<Param> params;

  private SearchSpace(List<Param> params) {
    this.params = List.copyOf(params);
  }

  /** The space of a sweep file: its job keys and their dimensions, in the file's order. */
  public static SearchSpace of(Map<String, ParamSpec> space) {
    List<Param> out = new ArrayList<>();
    space.forEach((k, v) -> out.add(new Param(k, v)));
    return new SearchSpace(out);
  }

  /** The dimensions, in sampling order. */
  public List<Param> params() {
    return params;
  }

  /** One value per parameter, independently and uniformly (log-uniformly for log scales) at random. */
  public Map<String, JsonNode> sample(SplittableRandom r) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (Param p : params) {
      out.put(p.key(), p.sample(r));
    }
    return out;
  }

  /** Every combination of the parameters' grid values (the last parameter varies fastest). */
  public List<Map<String, JsonNode>> grid() {
    List<Map<String, JsonNode>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (Param p : params) {
      List<Map<String, JsonNode>> next = new ArrayList<>();
      for (Map<String, JsonNode> partial : out) {
        for (JsonNode v : p.gridValues()) {
          Map<String, JsonNode> m = new LinkedHashMap<>(partial);
          m.put(p.key(), v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }

  /** The size of the grid (saturating at Long.MAX_VALUE). */
  public long gridSize() {
    long n = 1;
    for (Param p : params) {
      n = Math.multiplyExact(n, (long) p.gridValues().size());
    }
    return n;
  }

  /** The parameters as {@code key=value} overrides (values as JSON, which the override parser reads as YAML). */
  public static List<String> overrides(Map<String, JsonNode> params) {
    List<String> out = new ArrayList<>();
    params.forEach((k, v) -> out.add(k + "=" + v.toString()));
    return out;
  }

  /**
   * One dimension. Numeric dimensions also map values to an internal coordinate (the logarithm for log scales) where
   * distances mean what a person expects: the model-based sampler works there.
   */
  public record Param(String key, ParamSpec spec) {

    /** Whether the dimension is a choice among values (no order, no distance). */
    public boolean categorical() {
      return spec.type() == ParamSpec.Type.CHOICE;
    }

    /** Whether the coordinate is the logarithm of the value. */
    public boolean logScale() {
      return spec.type() == ParamSpec.Type.LOGUNIFORM || (spec.type() == ParamSpec.Type.INT && spec.log());
    }

    /** Lower bound of the internal coordinate (an int's values each own a cell of one step around them). */
    public double lo() {
      if (spec.type() == ParamSpec.Type.INT && !logScale()) {
        return spec.low() - 0.5 * step();
      }
      return logScale() ? Math.log(spec.low()) : spec.low();
    }

    /** Upper bound of the internal coordinate. */
    public double hi() {
      if (spec.type() == ParamSpec.Type.INT) {
        return logScale() ? Math.log(spec.high() + 1) : spec.low() + (intSteps() + 0.5) * step();
      }
      return logScale() ? Math.log(spec.high()) : spec.high();
    }

    /** How many steps fit between low and high (an int range's values are low + k * step, k = 0..intSteps). */
    private long intSteps() {
      return (long) Math.floor((spec.high() - spec.low()) / step() + 1e-9);
    }

    private double step() {
      return spec.step() == null ? 1 : spec.step();
    }

    /** A value drawn uniformly (log-uniformly on a log scale; one of the values of a choice) from {@code r}. */
    public JsonNode sample(SplittableRandom r) {
      if (categorical()) {
        return spec.values().get(r.nextInt(spec.values().size()));
      }
      if (spec.type() == ParamSpec.Type.INT && !logScale()) {
        return integer((long) (spec.low() + step() * r.nextLong(intSteps() + 1)));
      }
      return fromCoordinate(lo() + r.nextDouble() * (hi() - lo()));
    }

    /** The value at an internal coordinate: bounded, quantised to the step, rounded to 5 significant digits. */
    public JsonNode fromCoordinate(double c) {
      double x = logScale() ? Math.exp(c) : c;
      if (spec.type() == ParamSpec.Type.INT) {
        long low = (long) (double) spec.low();
        if (logScale()) {
          return integer(Math.max(low, Math.min((long) (double) spec.high(), (long) Math.floor(x))));
        }
        long k = Math.max(0, Math.min(intSteps(), Math.round((x - spec.low()) / step())));
        return integer(low + k * (long) step());
      }
      if (spec.step() != null) {
        long n = (long) Math.floor((spec.high() - spec.low()) / spec.step() + 1e-9);
        long k = Math.max(0, Math.min(n, Math.round((x - spec.low()) / spec.step())));
        x = spec.low() + k * spec.step();
      }
      x = Math.max(spec.low(), Math.min(spec.high(), round(x)));
      return DoubleNode.valueOf(x);
    }

    /** The internal coordinate of a numeric value; NaN for values this dimension cannot produce. */
    public double coordinate(JsonNode v) {
      if (v == null || !v.isNumber()) {
        return Double.NaN;
      }
      double x = v.asDouble();
      if (spec.type() == ParamSpec.Type.INT && logScale()) {
        return Math.log(x + 0.5);
      }
      return logScale() ? Math.log(x) : x;
    }

    /** The index of a choice's value, or -1. */
    public int index(JsonNode v) {
      return spec.values() == null ? -1 : spec.values().indexOf(v);
    }

    /** The values of this dimension in a grid. */
    public List<JsonNode> gridValues() {
      if (categorical()) {
        return spec.values();
      }
      LinkedHashSet<JsonNode> out = new LinkedHashSet<>();
      if (spec.type() == ParamSpec.Type.INT && spec.points() == null && !logScale()) {
        for (double v = spec.low(); v <= spec.high() + 1e-9; v += step()) {
          out.add(integer(Math.round(v)));
        }
        return List.copyOf(out);
      }
      int n = spec.points() != null ? spec.points() : 3;
      double lo = logScale() ? Math.log(spec.low()) : spec.low();
      double hi = logScale() ? Math.log(spec.high()) : spec.high();
      for (int i = 0; i < n; i++) {
        double c = lo + (hi - lo) * i / (n - 1);
        double x = logScale() ? Math.exp(c) : c;
        if (spec.type() == ParamSpec.Type.INT) {
          out.add(integer(Math.max((long) (double) spec.low(), Math.min((long) (double) spec.high(), Math.round(x)))));
        } else {
          out.add(i == 0 ? DoubleNode.valueOf(spec.low()) : i == n - 1 ? DoubleNode.valueOf(spec.high())
              : fromCoordinate(logScale() ? Math.log(x) : x));
        }
      }
      return List.copyOf(out);
    }

    /** An integer value as JSON reads it back (IntNode where it fits), so values compare equal after a round trip. */
    static JsonNode integer(long v) {
      return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
    }

    static double round(double x) {
      if (x == 0 || !Double.isFinite(x)) {
        return x;
      }
      return new BigDecimal(x).round(new MathContext(5)).doubleValue();
    }
  }
}
