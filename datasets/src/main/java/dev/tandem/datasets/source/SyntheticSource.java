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
    Long seed, String startDate, Double popularitySkew, Double historySignal, String dir, Shift shift) implements SourceConfig {

  /**
   * A change planted from a day on ({@code shift: {day: 90, kind: popularity, strength: 1.0}}), see
   * {@link SyntheticGenerator.Shift}.
   */
  public record Shift(Integer day, String kind, Double strength) {
    public Shift {
      Check.required(day, "day");
      Check.that(day >= 0, "day", "must be >= 0 (days from start_date)");
      Check.oneOf(Check.requiredText(kind, "kind"), SyntheticGenerator.Shift.KINDS, "kind");
      strength = Check.orDefault(strength, 1.0);
      Check.that(strength > 0 && strength <= 1, "strength", "must be in (0, 1]");
    }
  }

  /** The source without a planted shift. */
  public SyntheticSource(Integer users, Integer items, Long events, Integer factors, Integer days, Long seed, String startDate,
      Double popularitySkew, Double historySignal, String dir) {
    this(users, items, events, factors, days, seed, startDate, popularitySkew, historySignal, dir, null);
  }

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
    Check.that(shift == null || shift.day() < days, "shift.day", "must be before the last day (days: " + days + ")");
    try {
      LocalDate.parse(startDate);
    } catch (DateTimeParseException e) {
      throw new ConfigException("start_date", "'" + startDate + "' is not a date like 2024-01-01");
    }
  }

  /** The generator's shift, or null. */
  public SyntheticGenerator.Shift generatorShift() {
    return shift == null ? null : new SyntheticGenerator.Shift(shift.day(), shift.kind(), shift.strength());
  }

  /** The generator's parameters with default values filled in. */
  public SyntheticGenerator.Params params() {
    return new SyntheticGenerator.Params(users, items, events, factors, days, seed,
        LocalDate.parse(startDate), popularitySkew, historySignal);
  }
}
