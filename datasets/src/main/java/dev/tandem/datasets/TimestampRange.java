package dev.tandem.datasets;

import dev.tandem.config.Check;
import dev.tandem.datasets.split.SplitConfig;
import java.time.Duration;
import java.time.Instant;

/**
 * The times an event may plausibly have ({@code dataset.timestamp_range}); an event outside them is a bad row
 * ({@code bad_timestamp}), counted like any other. Both ends are inclusive; a date means midnight UTC.
 *
 * @param from the earliest plausible time (default 1990-01-01)
 * @param to   the latest plausible time (default: one day after the moment of preparation)
 */
public record TimestampRange(String from, String to) {
  public static final String DEFAULT_FROM = "1990-01-01";
  /** Slack after "now" when {@code to} is not given: clocks of log producers run a little ahead. */
  public static final Duration DEFAULT_AHEAD = Duration.ofDays(1);
  public static final TimestampRange DEFAULT = new TimestampRange(null, null);

  public TimestampRange {
    from = Check.orDefault(from, DEFAULT_FROM);
    long f = SplitConfig.parseInstant(from, "from");
    if (to != null) {
      Check.that(SplitConfig.parseInstant(to, "to") > f, "to", "must be after from (" + from + ")");
    }
  }

  /** The earliest plausible time, epoch seconds. */
  public long fromSeconds() {
    return SplitConfig.parseInstant(from, "from");
  }

  /** The latest plausible time, epoch seconds, for a preparation happening at {@code now}. */
  public long toSeconds(Instant now) {
    return to != null ? SplitConfig.parseInstant(to, "to") : now.plus(DEFAULT_AHEAD).getEpochSecond();
  }
}
