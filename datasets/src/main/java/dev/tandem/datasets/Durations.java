package dev.tandem.datasets;

import dev.tandem.config.ConfigException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as configuration writes them: a whole number and a unit, {@code 30d}, {@code 12h}, {@code 90m}, {@code 45s}. */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*([dhms])");

  private Durations() {}

  /**
   * The duration in seconds.
   *
   * @param key the configuration key, named in the error
   * @throws ConfigException naming the key if the text is not a duration
   */
  public static long seconds(String text, String key) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new ConfigException(key, "'" + text + "' is not a duration: a whole number and a unit, d, h, m or s (e.g. 30d, 12h, 0s)");
    }
    long v = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "d" -> v * 86_400;
      case "h" -> v * 3_600;
      case "m" -> v * 60;
      default -> v;
    };
  }
}
