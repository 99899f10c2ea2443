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
    Map<String, Double> phaseSeconds) {

  public static final String FILE = "summary.json";
  /** The version of this file's format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  /** One side table's accounting. */
  public record SideTableSummary(String file, long rowsRead, long rowsRejected, long keys, long eventsWithoutRow) {}

  /** Users or items: how many are known, how many have train events, how many evaluation events are cold. */
  public record EntitySummary(long total, long inTrain, long validationEventsUnseenInTrain, long testEventsUnseenInTrain) {}
}
