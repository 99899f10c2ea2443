package dev.tandem.datasets.source;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.synth.SyntheticGenerator;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * Synthetic interactions with a planted signal (see {@link dev.tandem.datasets.synth.SyntheticGenerator}). The log
 * is generated once as CSV files (into {@code dir}, or the dataset cache) and then read by the same reader as any
 * event log.
 */
public record SyntheticSource(Integer users, Integer items, Long events, Integer factors, Integer days,
    Long seed, String startDate, Double popularitySkew, Double historySignal, String dir) implements SourceConfig {
  public SyntheticSource {
    users = Check.orDefault(users, 2_000);
    items = Check.orDefault(items, 1_000);
    events = Check.orDefault(events, 100_000L);
    factors = Check.orDefault(factors, 8);
    days = Check.orDefault(days, 120);
    seed = Check.orDefault(seed, 7L);
    startDate = Check.orDefault(startDate, "2024-01-01");
    popularitySkew = Check.orDefault(popularitySkew, 1.0);
    historySignal = Check.orDefault(historySignal, 1.0);
    Check.inRange(historySignal, 0.0, 5.0, "history_signal");
    Check.positive(users, "users");
    Check.positive(items, "items");
    Check.that(items >= 10, "items", "must be >= 10");
    Check.positive(events, "events");
    Check.that(events <= 200_000_000L, "events", "must be <= 200,000,000");
    Check.positive(factors, "factors");
    Check.positive(days, "days");
    Check.inRange(popularitySkew, 0.0, 3.0, "popularity_skew");
    try {
      LocalDate.parse(startDate);
    } catch (DateTimeParseException e) {
      throw new ConfigException("start_date", "'" + startDate + "' is not a date like 2024-01-01");
    }
  }

  /** The generator's parameters with default values filled in. */
  public SyntheticGenerator.Params params() {
    return new SyntheticGenerator.Params(users, items, events, factors, days, seed,
        LocalDate.parse(startDate), popularitySkew, historySignal);
  }
}
