package dev.tandem.trainer.metrics;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Numbers as Tandem's JSON files hold them: Jackson writes a non-finite double as the string {@code "NaN"},
 * {@code "Infinity"} or {@code "-Infinity"}, so reading one back takes those strings as numbers too.
 */
final class JsonNumbers {
  private JsonNumbers() {}

  /** The value as a double, or null when it is neither a number nor a non-finite number's string. */
  static Double of(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s) {
      return switch (s) {
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> null;
      };
    }
    return null;
  }

  /** As {@link #of(Object)}, for a tree node. */
  static Double of(JsonNode node) {
    if (node == null) {
      return null;
    }
    return node.isNumber() ? node.doubleValue() : node.isTextual() ? of(node.asText()) : null;
  }

  /** The value as a number of the type it was read as (an integer stays one), or null as {@link #of(Object)}. */
  static Number number(Object value) {
    return value instanceof Number n ? n : of(value);
  }
}
