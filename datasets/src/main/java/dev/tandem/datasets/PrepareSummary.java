package dev.tandem.datasets;

import java.util.List;
import java.util.Map;

/**
 * {@code summary.json}: what preparation read, kept and rejected. The counts add up:
 * {@code rows_read = rows_kept + rows_rejected} and {@code rows_kept = train + validation + test + outside_splits}.
 *
 * @param rejectedSample the first rejected rows, as "file:line: reason: detail"
 * @param sideTables     per side table: rows read, rejected, and events whose entity has no row there
 * @param outsideSplits  kept events after {@code split.test_end}, in no split
 * @param phaseSeconds   wall time of each phase of preparation
 * @param timestamps     how the timestamp column was read and which times were plausible (null in summaries written
 *                       before Tandem recorded it)
 * @param history        how point-in-time features were computed (null without history features)
 */
public record PrepareSummary(
    String fingerprint,
    long rowsRead,
    long rowsKept,
    long rowsRejected,
    Map<String, Long> rejectedByReason,
    List<String> rejectedSample,
    Map<String, Long> splits,
    long outsideSplits,
    Map<String, SideTableSummary> sideTables,
    Map<String, EntitySummary> entities,
    Map<String, Double> positiveRate,
    Map<String, String[]> timeRange,
    double seconds,
    Map<String, Double> phaseSeconds,
    TimestampSummary timestamps,
    HistorySummary history) {

  public static final String FILE = "summary.json";
  /** The version of this file's format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  /** One side table's accounting. */
  public record SideTableSummary(String file, long rowsRead, long rowsRejected, long keys, long eventsWithoutRow) {}

  /**
   * How event times were read.
   *
   * @param column     the file's timestamp column
   * @param configured {@code timestamp_format} as configured ({@code auto} by default)
   * @param readAs     the format every value of the column was read in: unix_seconds, unix_millis or iso8601
   * @param decidedBy  why: configured, or what {@code auto} saw in the column's first values
   * @param validFrom  the earliest plausible time; earlier events are bad rows ({@code bad_timestamp})
   * @param validTo    the latest plausible time; later events are bad rows
   */
  public record TimestampSummary(String column, String configured, String readAs, String decidedBy, String validFrom, String validTo) {}

  /**
   * Point-in-time features.
   *
   * @param features            their names
   * @param availabilityDelay   an event at t saw the events with timestamp {@code < t - delay}
   * @param maxEvents           events kept per user or item for trailing windows
   * @param truncatedWindowEvents window events dropped for that cap (their windows then cover the newest events only)
   */
  public record HistorySummary(List<String> features, String availabilityDelay, int maxEvents, long truncatedWindowEvents) {}

  /** Users or items: how many are known, how many have train events, how many evaluation events are cold. */
  public record EntitySummary(long total, long inTrain, long validationEventsUnseenInTrain, long testEventsUnseenInTrain) {}
}
