package dev.tandem.datasets.split;

/**
 * Assigns time-ordered events to train, validation and test. Implementations see events already sorted by
 * (timestamp, user, item), so every event of a later split is at or after every event of an earlier one.
 */
public interface TemporalSplit {

  /**
   * Computes the split boundaries for {@code timestamps}, which are sorted ascending.
   *
   * @return {@code [trainEnd, validationEnd, testEnd]}: exclusive end positions of each split; rows at or after
   *     {@code testEnd} fall outside every split (cut-off splits with a {@code test_end})
   */
  int[] boundaries(long[] timestamps);

  /** The split for a configuration. */
  static TemporalSplit of(SplitConfig c) {
    if (c.byFraction()) {
      return ts -> {
        int n = ts.length;
        int trainEnd = (int) Math.round(n * c.train());
        int validationEnd = (int) Math.round(n * (c.train() + c.validation()));
        return new int[] {trainEnd, Math.max(trainEnd, validationEnd), n};
      };
    }
    long t = c.trainEndSeconds();
    long v = c.validationEndSeconds();
    long e = c.testEndSeconds();
    return ts -> new int[] {lowerBound(ts, t), lowerBound(ts, v), lowerBound(ts, e)};
  }

  /** First index whose timestamp is {@code >= key}. */
  private static int lowerBound(long[] ts, long key) {
    int lo = 0;
    int hi = ts.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ts[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
