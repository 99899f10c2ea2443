package dev.tandem.config;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * Validation helpers for configuration records. Records call these from their compact constructors with the
 * name of the field (its YAML key); {@link ConfigLoader} prefixes the path of the enclosing section.
 */
public final class Check {
  private Check() {}

  /** Fails with {@code message} under {@code key} unless {@code condition} holds. */
  public static void that(boolean condition, String key, String message) {
    if (!condition) {
      throw new ConfigException(key, message);
    }
  }

  /** {@code value}, or an error "is required" under {@code key} when it is null. */
  public static <T> T required(T value, String key) {
    if (value == null) {
      throw new ConfigException(key, "is required");
    }
    return value;
  }

  /** {@code value}, or an error under {@code key} when it is null or blank. */
  public static String requiredText(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "is required and must not be empty");
    }
    return value;
  }

  /** {@code value}, or an error naming it under {@code key} unless it is above 0. */
  public static int positive(int value, String key) {
    that(value > 0, key, "must be > 0, was " + value);
    return value;
  }

  /** {@code value}, or an error naming it under {@code key} when it is below 0. */
  public static int nonNegative(int value, String key) {
    that(value >= 0, key, "must be >= 0, was " + value);
    return value;
  }

  /** {@code value}, or an error naming it under {@code key} unless it is above 0. */
  public static long positive(long value, String key) {
    that(value > 0, key, "must be > 0, was " + value);
    return value;
  }

  /** {@code value}, or an error naming it under {@code key} unless it is finite and above 0. */
  public static double positive(double value, String key) {
    that(value > 0 && Double.isFinite(value), key, "must be a finite number > 0, was " + value);
    return value;
  }

  /** {@code value}, or an error naming it under {@code key} unless {@code lo <= value <= hi}. */
  public static double inRange(double value, double lo, double hi, String key) {
    that(value >= lo && value <= hi, key, "must be in [" + lo + ", " + hi + "], was " + value);
    return value;
  }

  /** {@code value}, or {@code fallback} when it is null (a key the configuration leaves out). */
  public static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }

  /** {@code value}, or an error under {@code key} listing {@code allowed} when it is not one of them. */
  public static String oneOf(String value, Collection<String> allowed, String key) {
    that(allowed.contains(value), key, "'" + value + "' is not one of " + allowed);
    return value;
  }

  /**
   * The constant of a configuration enum written as its lower-case name, in any case, with '-' or '&' for '_' allowed
   * ("two-tower", "wide&deep", "loguniform"); null for null, so a missing value gets the record's default. Anything else
   * is an error listing the choices; the binder that calls this ({@link ConfigEnumModule}) adds the key.
   */
  public static <E extends Enum<E>> E enumOf(E[] values, String s) {
    if (s == null) {
      return null;
    }
    String k = s.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace('&', '_');
    for (E e : values) {
      if (e.name().toLowerCase(Locale.ROOT).equals(k)) {
        return e;
      }
    }
    throw new ConfigException("", "'" + s + "' is not one of " + Arrays.stream(values).map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
  }
}
