package dev.tandem.datasets.source;

import dev.tandem.datasets.text.Fields;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Parses event timestamps to epoch seconds: unix seconds, unix milliseconds or ISO-8601 (UTC unless an offset is given). */
public final class Timestamps {
  /** Returned when a value cannot be parsed. */
  public static final long INVALID = Long.MIN_VALUE;
  private static final long MILLIS_THRESHOLD = 100_000_000_000L; // 1e11 s is the year 5138: larger values are millis

  private Timestamps() {}

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
      default -> {
        long v = f.wholeNumber(column);
        if (v != Long.MIN_VALUE) {
          return Math.abs(v) >= MILLIS_THRESHOLD ? Math.floorDiv(v, 1000) : v;
        }
        String s = f.string(column);
        if (s.isEmpty()) {
          return INVALID;
        }
        char c = s.charAt(0);
        if ((c >= '0' && c <= '9') && s.indexOf('-') < 0 && s.indexOf(':') < 0) {
          return decimalSeconds(f, column, 1);
        }
        return iso(s);
      }
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
        return Instant.parse(s.toUpperCase(java.util.Locale.ROOT)).getEpochSecond();
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
}
