package dev.tandem.datasets.text;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts rejected rows by reason and enforces {@code max_bad_rows}: up to that many rows are skipped (and counted),
 * one more fails the whole preparation with an error naming the file and line. Not thread-safe: rows are reported
 * by the reading thread in file order, so the outcome does not depend on thread scheduling.
 */
public final class BadRows {
  private static final int SAMPLE = 20;
  private final long max;
  private final Map<RejectReason, Long> byReason = new EnumMap<>(RejectReason.class);
  private final Map<String, Long> byFile = new LinkedHashMap<>();
  private final List<RowError> sample = new ArrayList<>();
  private long total;

  /** @param maxBadRows rows that may be rejected before the next one fails ({@code dataset.max_bad_rows}) */
  public BadRows(long maxBadRows) {
    this.max = maxBadRows;
  }

  /**
   * Records a rejected row.
   *
   * @throws BadInputException once more than {@code max_bad_rows} were seen, naming this row's file and line
   */
  public void reject(RowError e) {
    total++;
    byReason.merge(e.reason(), 1L, Long::sum);
    byFile.merge(e.file(), 1L, Long::sum);
    if (sample.size() < SAMPLE) {
      sample.add(e);
    }
    if (total > max) {
      String msg = max == 0
          ? "malformed row at " + e + " (dataset.max_bad_rows is 0: set it to skip and count bad rows instead)"
          : "more than dataset.max_bad_rows=" + max + " malformed rows; the last one: " + e + "; first ones: " + sample.subList(0, Math.min(3, sample.size()));
      throw new BadInputException(msg, sample);
    }
  }

  /** Rows rejected so far. */
  public long total() {
    return total;
  }

  /** Rows rejected so far by reason key ({@code summary.json}'s {@code rejected_by_reason}), in the reasons' order. */
  public Map<String, Long> byReason() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (RejectReason r : RejectReason.values()) {
      if (byReason.containsKey(r)) {
        out.put(r.key(), byReason.get(r));
      }
    }
    return out;
  }

  /** Rows rejected so far by file. */
  public Map<String, Long> byFile() {
    return new LinkedHashMap<>(byFile);
  }

  /** The first rejected rows (at most 20). */
  public List<RowError> sample() {
    return List.copyOf(sample);
  }
}
