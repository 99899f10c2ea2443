package dev.tandem.serving.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.serving.history.ServedEvent;
import dev.tandem.serving.history.ServedEvent.MalformedEventException;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a user did with an item of an answer, as {@code POST /feedback} takes it:
 * {@code {"request_id": "...", "item": "i7", "event": "click", "value": 1, "time": 1717243200, "user": "u42"}}.
 *
 * @param requestId the answer's {@code request_id}
 * @param item      the item acted on
 * @param event     what happened: a lower-case word such as {@code click}, {@code watch} (value: seconds) or
 *                  {@code rating} (value: the rating)
 * @param value     how much (default 1)
 * @param time      when, in epoch seconds (default: when it arrived)
 * @param user      the user, if the client says (null: taken from the answer the request id names)
 */
public record Feedback(String requestId, String item, String event, double value, long time, String user) {
  static final Set<String> FIELDS = Set.of("request_id", "item", "event", "value", "time", "user");
  private static final Pattern EVENT = Pattern.compile("[a-z][a-z0-9_]{0,31}");
  private static final long LATEST = 253_402_300_799L; // 9999-12-31T23:59:59Z

  /**
   * Validates one feedback object.
   *
   * @param where the object's position in the request (e.g. {@code feedback[2].}), prefixed to field names in errors
   * @param now   the time of feedback without one
   * @throws MalformedEventException naming the field at fault
   */
  public static Feedback parse(JsonNode o, String where, long now) {
    if (o == null || !o.isObject()) {
      throw new MalformedEventException(where.isEmpty() ? "body" : where.substring(0, where.length() - 1),
          "must be a JSON object like {\"request_id\": \"...\", \"item\": \"i7\", \"event\": \"click\"}");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new MalformedEventException(where + f, "unknown field; feedback has request_id, item, event, value, time and user");
      }
    }
    String requestId = id(o, "request_id", where, true);
    String item = id(o, "item", where, true);
    String user = id(o, "user", where, false);
    JsonNode e = o.get("event");
    if (e == null || !e.isTextual() || !EVENT.matcher(e.asText()).matches()) {
      throw new MalformedEventException(where + "event", "is required: a lower-case word such as click, watch or rating (letters, digits,"
          + " '_', at most 32)");
    }
    double value = 1;
    JsonNode v = o.get("value");
    if (v != null && !v.isNull()) {
      if (!v.isNumber()) {
        throw new MalformedEventException(where + "value", "must be a number, was " + v);
      }
      value = v.asDouble();
      if (!Double.isFinite(value) || Math.abs(value) > Float.MAX_VALUE) {
        throw new MalformedEventException(where + "value", "must be a finite number that fits a 32-bit float, was " + v);
      }
    }
    long time = now;
    JsonNode t = o.get("time");
    if (t != null && !t.isNull()) {
      if (t.isIntegralNumber()) {
        time = t.asLong();
        if (time < 0 || time > LATEST) {
          throw new MalformedEventException(where + "time", time + " is not a time between 1970 and 9999 in epoch seconds");
        }
      } else if (t.isTextual()) {
        time = ServedEvent.parseTime(t.asText(), where + "time");
      } else {
        throw new MalformedEventException(where + "time", "must be epoch seconds or an ISO-8601 time with a zone, was " + t);
      }
    }
    return new Feedback(requestId, item, e.asText(), value, time, user);
  }

  private static String id(JsonNode o, String field, String where, boolean required) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new MalformedEventException(where + field, "is required");
      }
      return null;
    }
    if (!v.isTextual() && !v.isIntegralNumber()) {
      throw new MalformedEventException(where + field, "must be a string (or an integer), was " + v);
    }
    String s = v.asText().strip();
    if (s.isEmpty() || s.length() > 256 || s.chars().anyMatch(c -> c < 0x20)) {
      throw new MalformedEventException(where + field, "must be 1-256 characters without control characters");
    }
    return s;
  }
}
