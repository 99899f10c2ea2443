package dev.tandem.trainer.embedding;

/**
 * Approximate counts of how often each id was seen, in fixed memory ({@code depth x width} ints): a count-min sketch
 * with conservative update (only the smallest counters grow), so an estimate is never below the true count and rarely
 * much above it. What admission asks: has this id been seen often enough to deserve a row?
 */
final class CountMinSketch {
  private static final long[] SEEDS = {0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L};
  final int depth;
  final int width;
  final int[] counts;

  CountMinSketch(int depth, int width) {
    if (depth < 1 || depth > SEEDS.length || Integer.bitCount(width) != 1) {
      throw new IllegalArgumentException("sketch depth 1.." + SEEDS.length + " and a power-of-two width, got " + depth + " x " + width);
    }
    this.depth = depth;
    this.width = width;
    this.counts = new int[depth * width];
  }

  private int cell(int row, long id) {
    long h = (id + row) * SEEDS[row];
    h ^= h >>> 31;
    return row * width + (int) (h & (width - 1));
  }

  /** Adds {@code n} sightings of {@code id}; returns its estimated count afterwards. */
  int add(long id, int n) {
    int min = Integer.MAX_VALUE;
    for (int r = 0; r < depth; r++) {
      min = Math.min(min, counts[cell(r, id)]);
    }
    int target = (int) Math.min(Integer.MAX_VALUE, (long) min + n);
    for (int r = 0; r < depth; r++) {
      int c = cell(r, id);
      if (counts[c] < target) {
        counts[c] = target;
      }
    }
    return target;
  }

  /** The estimated count of {@code id}. */
  int estimate(long id) {
    int min = Integer.MAX_VALUE;
    for (int r = 0; r < depth; r++) {
      min = Math.min(min, counts[cell(r, id)]);
    }
    return min;
  }

  long bytes() {
    return counts.length * 4L;
  }
}
