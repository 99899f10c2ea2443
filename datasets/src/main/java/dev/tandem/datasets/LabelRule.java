package dev.tandem.datasets;

import dev.tandem.config.ConfigException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rule that turns a numeric column into a binary label, e.g. {@code rating >= 4}, {@code watch_seconds >= 30},
 * {@code click == 1}. The column may be a logical column or any numeric column of the event log.
 */
public record LabelRule(String column, String op, double threshold) {
  private static final Pattern RULE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*(>=|<=|==|!=|>|<)\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*");

  /** Parses {@code text}; {@code key} names the config key in errors. */
  public static LabelRule parse(String text, String key) {
    if (text == null || text.isBlank()) {
      throw new ConfigException(key, "is required, e.g. \"rating >= 4\" or \"click == 1\"");
    }
    Matcher m = RULE.matcher(text);
    if (!m.matches()) {
      throw new ConfigException(key, "'" + text + "' is not a rule of the form <column> <op> <number> with op one of >=, >, <=, <, ==, != (e.g. \"rating >= 4\")");
    }
    return new LabelRule(m.group(1), m.group(2), Double.parseDouble(m.group(3)));
  }

  /** 1 if the value satisfies the rule, else 0. */
  public float apply(double value) {
    boolean r = switch (op) {
      case ">=" -> value >= threshold;
      case ">" -> value > threshold;
      case "<=" -> value <= threshold;
      case "<" -> value < threshold;
      case "==" -> value == threshold;
      case "!=" -> value != threshold;
      default -> throw new IllegalStateException(op);
    };
    return r ? 1f : 0f;
  }

  @Override
  public String toString() {
    return column + " " + op + " " + (threshold == Math.rint(threshold) ? String.valueOf((long) threshold) : String.valueOf(threshold));
  }
}
