package dev.tandem.datasets.source;

import dev.tandem.datasets.text.Fields;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Parses event timestamps to epoch seconds: unix seconds, unix milliseconds or ISO-8601 (UTC unless an offset is
 * given). {@code auto} is decided once per column ({@link #decide}), never per value: a value read in another unit
 * than its neighbours then lands outside the plausible range and is a bad row, instead of an event in the year 51970.
 */
public final class Timestamps {
  /** Returned when a value cannot be parsed. */
  public static final long INVALID = Long.MIN_VALUE;
  /** As seconds, 1e11 is the year 5138: a column whose typical value is larger counts milliseconds. */
  static final double MILLIS_THRESHOLD = 1e11;
  /** How many values of the column {@code auto} looks at. */
  public static final int SAMPLE = 1000;

  private Timestamps() {}

  /** What {@code auto} decided for a column, and why (recorded in {@code summary.json}). */
  public record Decision(String format, String reason) {}

  /**
   * Decides how to read a column from its first values (trimmed, non-blank): ISO-8601 if most of them are not
   * numbers, else unix milliseconds if their median magnitude is at least 1e11, else unix seconds.
   */
  public static Decision decide(List<String> sample) {
    if (sample.isEmpty()) {
      return new Decision("unix_seconds", "no values to decide from");
    }
    double[] numbers = new double[sample.size()];
    int n = 0;
    for (String s : sample) {
      try {
        double d = Double.parseDouble(s);
        if (Double.isFinite(d)) {
          numbers[n++] = Math.abs(d);
        }
      } catch (NumberFormatException e) {
        // not a number: counts for ISO-8601
      }
    }
    String of = "the first " + sample.size() + " values";
    if (n * 2 < sample.size()) {
      return new Decision("iso8601", (sample.size() - n) + " of " + of + " are not numbers");
    }
    double[] sorted = Arrays.copyOf(numbers, n);
    Arrays.sort(sorted);
    double median = sorted[n / 2];
    boolean millis = median >= MILLIS_THRESHOLD;
    return new Decision(millis ? "unix_millis" : "unix_seconds", String.format(Locale.ROOT,
        "the median magnitude of %s is %.6g, %s 1e11 (the year 5138 in seconds)", of, median, millis ? ">=" : "<"));
  }

  /**
   * Field {@code column} as epoch seconds, read as {@code format} ({@code unix_seconds}, {@code unix_millis} or
   * {@code iso8601}; never {@code auto}), or {@link #INVALID}. Values beyond the range of a long saturate to it: the
   * caller's range check refuses them.
   */
  public static long parse(Fields f, int column, String format) {
    switch (format) {
      case "unix_seconds" -> {
        long v = f.wholeNumber(column);
        return v != Long.MIN_VALUE ? v : decimalSeconds(f, column, 1);
      }
      case "unix_millis" -> {
        long v = f.wholeNumber(column);
        return v != Long.MIN_VALUE ? Math.floorDiv(v, 1000) : decimalSeconds(f, column, 1000);
      }
      case "iso8601" -> {
        return iso(f.string(column));
      }
      default -> throw new IllegalArgumentException("timestamp format '" + format + "' must be decided before parsing");
    }
  }

  private static long decimalSeconds(Fields f, int column, double divisor) {
    try {
      double d = f.number(column);
      return Double.isFinite(d) ? (long) Math.floor(d / divisor) : INVALID;
    } catch (NumberFormatException e) {
      return INVALID;
    }
  }

  /** ISO-8601 date, local date-time (UTC) or instant with offset; a space may replace the 'T'. */
  public static long iso(String raw) {
    if (raw == null || raw.isEmpty()) {
      return INVALID;
    }
    String s = raw.length() > 10 && raw.charAt(10) == ' ' ? raw.substring(0, 10) + "T" + raw.substring(11) : raw;
    try {
      if (s.length() == 10) {
        return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
      }
      if (s.endsWith("Z") || s.endsWith("z")) {
        return Instant.parse(s.toUpperCase(Locale.ROOT)).getEpochSecond();
      }
      int t = s.indexOf('T');
      if (t > 0 && (s.indexOf('+', t) > 0 || s.indexOf('-', t) > 0)) {
        return OffsetDateTime.parse(s).toEpochSecond();
      }
      return LocalDateTime.parse(s).toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return INVALID;
    }
  }

  /** Epoch seconds as an instant, for messages; values beyond any instant (they saturate a long) say so. */
  public static String describe(long seconds) {
    if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
      return (seconds < 0 ? "before" : "after") + " any representable time";
    }
    return Instant.ofEpochSecond(seconds).toString();
  }
}
