package dev.tandem.datasets.split;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A temporal split: by fractions of the time-ordered events ({@code train/validation/test}) or by absolute
 * cut-offs ({@code train_end}, {@code validation_end}, optional {@code test_end}; dates or ISO-8601 instants, UTC).
 * Events are ordered by (timestamp, user id, item id), so the split is the same on every run.
 */
public record SplitConfig(Double train, Double validation, Double test, String trainEnd, String validationEnd, String testEnd) {
  public static final SplitConfig DEFAULT = new SplitConfig(0.8, 0.1, 0.1, null, null, null);

  public SplitConfig {
    boolean fractions = train != null || validation != null || test != null;
    boolean cutoffs = trainEnd != null || validationEnd != null || testEnd != null;
    Check.that(!(fractions && cutoffs), "train_end", "give fractions (train/validation/test) or cut-offs (train_end/validation_end), not both");
    if (!cutoffs) {
      train = Check.orDefault(train, 0.8);
      validation = Check.orDefault(validation, 0.1);
      test = Check.orDefault(test, 1.0 - train - validation);
      Check.inRange(train, 0.0, 1.0, "train");
      Check.that(train > 0, "train", "must be > 0");
      Check.inRange(validation, 0.0, 1.0, "validation");
      Check.inRange(test, 0.0, 1.0, "test");
      Check.that(Math.abs(train + validation + test - 1.0) < 1e-9, "test",
          "train + validation + test must be 1, is " + (train + validation + test));
    } else {
      Check.required(trainEnd, "train_end");
      Check.required(validationEnd, "validation_end");
      long t = parseInstant(trainEnd, "train_end");
      long v = parseInstant(validationEnd, "validation_end");
      Check.that(v >= t, "validation_end", "must not be before train_end");
      if (testEnd != null) {
        Check.that(parseInstant(testEnd, "test_end") >= v, "test_end", "must not be before validation_end");
      }
    }
  }

  public boolean byFraction() {
    return trainEnd == null;
  }

  public long trainEndSeconds() {
    return parseInstant(trainEnd, "train_end");
  }

  public long validationEndSeconds() {
    return parseInstant(validationEnd, "validation_end");
  }

  /** Exclusive end of the test split, or Long.MAX_VALUE. */
  public long testEndSeconds() {
    return testEnd == null ? Long.MAX_VALUE : parseInstant(testEnd, "test_end");
  }

  /** Parses a date (midnight UTC), a local date-time (UTC) or an ISO-8601 instant with offset, to epoch seconds. */
  public static long parseInstant(String s, String key) {
    String v = s.trim();
    try {
      if (v.length() == 10) {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
      }
      if (v.endsWith("Z") || v.matches(".*[+-]\\d\\d:?\\d\\d$")) {
        try {
          return Instant.parse(v).getEpochSecond();
        } catch (DateTimeParseException e) {
          return OffsetDateTime.parse(v).toEpochSecond();
        }
      }
      return LocalDateTime.parse(v).toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new ConfigException(key, "'" + s + "' is not a date (2024-01-31) or ISO-8601 time (2024-01-31T12:00:00Z)");
    }
  }
}
