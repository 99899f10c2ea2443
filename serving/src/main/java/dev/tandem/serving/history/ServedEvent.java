package dev.tandem.serving.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event a client reports after the bundle was exported (a rating, a click, a view), validated: who, what, when,
 * and the outcome columns the history reads (the label rule's column, e.g. {@code rating}, and the columns
 * history_mean features average). Its label is not given by the client: the dataset's label rule computes it.
 *
 * <p>JSON form (the body of {@code POST /events}, a line of an events file or of the events log):
 * <pre>
 *   {"user": "42", "item": "i7", "time": 1700000000, "rating": 4}
 * </pre>
 * {@code user} and {@code item} are ids (strings, or numbers taken as their text); {@code time} is epoch seconds (an
 * integer, or a string of digits) or an ISO-8601 instant with a zone ({@code 2024-05-01T12:00:00Z}), and defaults to
 * the server's clock; the outcome columns are numbers.
 *
 * @param user   the user id (trimmed, as preparation trims ids)
 * @param item   the item id (trimmed)
 * @param time   epoch seconds
 * @param values the outcome columns given, by name
 */
public record ServedEvent(String user, String item, long time, Map<String, Double> values) {
  public ServedEvent {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** Latest time an event may carry: 9999-12-31T23:59:59Z (as preparation's timestamp range). */
  static final long LATEST = 253_402_300_799L;

  /**
   * What a valid event looks like for one bundle.
   *
   * @param labelColumn the column of the label rule (required in every event)
   * @param sources     the other outcome columns the history reads (optional; missing values are NaN)
   */
  public record Schema(String labelColumn, List<String> sources) {
    /** Every field an event may have. */
    public List<String> fields() {
      List<String> out = new java.util.ArrayList<>(List.of("user", "item", "time", labelColumn));
      for (String s : sources) {
        if (!out.contains(s)) {
          out.add(s);
        }
      }
      return out;
    }
  }

  /** A malformed event: the message names the field (e.g. {@code events[2].rating}) and is fit to show the client. */
  public static final class MalformedEventException extends IllegalArgumentException {
    private final String field;

    public MalformedEventException(String field, String message) {
      super(field + ": " + message);
      this.field = field;
    }

    /** The field at fault, with its position in the request or file (e.g. {@code events[2].time}). */
    public String field() {
      return field;
    }
  }

  /**
   * Validates one event.
   *
   * @param where how errors name the event ({@code ""} for a lone event, {@code "events[3]."} in a batch)
   * @param now   the time of an event without {@code time}
   * @throws MalformedEventException naming the field at fault
   */
  public static ServedEvent parse(JsonNode node, String where, Schema schema, long now) {
    if (node == null || !node.isObject()) {
      throw new MalformedEventException(where.isEmpty() ? "event" : where.substring(0, where.length() - 1),
          "an event is a JSON object with " + schema.fields() + ", was " + kind(node));
    }
    List<String> allowed = schema.fields();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new MalformedEventException(where + f, "unknown field; an event has " + allowed);
      }
    }
    String user = id(node.get("user"), where + "user");
    String item = id(node.get("item"), where + "item");
    long time = node.hasNonNull("time") ? time(node.get("time"), where + "time") : now;
    Map<String, Double> values = new LinkedHashMap<>();
    for (String f : allowed.subList(3, allowed.size())) {
      JsonNode v = node.get(f);
      if (v == null || v.isNull()) {
        if (f.equals(schema.labelColumn())) {
          throw new MalformedEventException(where + f, "is required: the label rule reads it");
        }
        continue;
      }
      values.put(f, number(v, where + f));
    }
    return new ServedEvent(user, item, time, values);
  }

  private static String kind(JsonNode n) {
    return n == null || n.isMissingNode() ? "nothing" : n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }

  private static String id(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      throw new MalformedEventException(field, "is required");
    }
    String s;
    if (v.isTextual()) {
      s = v.asText().strip();
    } else if (v.isIntegralNumber()) {
      s = v.asText();
    } else {
      throw new MalformedEventException(field, "must be a string (or an integer id), was " + kind(v));
    }
    if (s.isEmpty()) {
      throw new MalformedEventException(field, "is empty");
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw new MalformedEventException(field, "holds a control character");
      }
    }
    return s;
  }

  /** Epoch seconds from an integer, a string of digits, or an ISO-8601 date-time with a zone. */
  static long time(JsonNode v, String field) {
    long t;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      t = v.asLong();
    } else if (v.isNumber()) {
      throw new MalformedEventException(field, "must be whole epoch seconds or an ISO-8601 time, was " + v.asText());
    } else if (v.isTextual()) {
      t = time(v.asText().strip(), field);
    } else {
      throw new MalformedEventException(field, "must be epoch seconds or an ISO-8601 time, was " + kind(v));
    }
    if (t < 0 || t > LATEST) {
      throw new MalformedEventException(field, t + " is not a time between 1970 and 9999 in epoch seconds");
    }
    return t;
  }

  /**
   * Epoch seconds from text: digits, or an ISO-8601 time with a zone.
   *
   * @throws MalformedEventException naming {@code field} otherwise
   */
  public static long parseTime(String text, String field) {
    long t = time(text.strip(), field);
    if (t < 0 || t > LATEST) {
      throw new MalformedEventException(field, t + " is not a time between 1970 and 9999 in epoch seconds");
    }
    return t;
  }

  static long time(String s, String field) {
    if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new MalformedEventException(field, "'" + s + "' is too large for epoch seconds");
      }
    }
    try {
      return Instant.parse(s).getEpochSecond();
    } catch (DateTimeException e) {
      try {
        return OffsetDateTime.parse(s).toEpochSecond();
      } catch (DateTimeException e2) {
        throw new MalformedEventException(field, "'" + s + "' is neither epoch seconds nor an ISO-8601 time with a zone"
            + " (e.g. 2024-05-01T12:00:00Z)");
      }
    }
  }

  /** A number as preparation reads one: a finite value that fits the 32-bit float it is stored as. */
  static double number(JsonNode v, String field) {
    double d;
    if (v.isNumber()) {
      d = v.asDouble();
    } else if (v.isTextual()) {
      try {
        d = Double.parseDouble(v.asText().strip());
      } catch (NumberFormatException e) {
        throw new MalformedEventException(field, "must be a number, was '" + v.asText() + "'");
      }
    } else {
      throw new MalformedEventException(field, "must be a number, was " + kind(v));
    }
    if (!Float.isFinite((float) d)) {
      throw new MalformedEventException(field, v.asText() + " is " + (Double.isFinite(d) ? "too large for a 32-bit float" : "not a finite number"));
    }
    return d;
  }

  /** The event as JSON, in the form {@link #parse} reads (with its time always given). */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("user", user);
    o.put("item", item);
    o.put("time", time);
    values.forEach(o::put);
    return o;
  }
}
