package dev.tandem.trainer.embedding;

import dev.tandem.config.ConfigEnum;

/**
 * One table of a store: its shape, optimizer and how it admits and evicts ids.
 *
 * @param name        the table (the input group it embeds, e.g. "user")
 * @param dim         row width
 * @param idSpace     ids lie in {@code [0, idSpace)}
 * @param optimizer   the row-wise optimizer
 * @param weightDecay L2 penalty added to a row's gradient ({@code + weightDecay * w}) when the row is updated; rows not
 *                    in a batch are not decayed (inside the network every row decays at every step)
 * @param initStd     new rows are drawn from N(0, initStd²), from the id and the seed alone (so a row is the same
 *                    whenever and in whatever order its id is admitted)
 * @param seed        the table's seed
 * @param admitAfter  an id gets a row once it was seen this many times (1: at once); counted by a count-min sketch
 * @param capacity    at most this many rows (0: unbounded); when full, a new id evicts a row chosen by {@code eviction}
 * @param eviction    which row a full table gives up
 * @param maxAge      rows not used for more than this many steps are evicted (0: never)
 * @param sketchWidth counters per row of the count-min sketch (a power of two; depth 4)
 */
public record TableSpec(String name, int dim, long idSpace, RowOptimizer optimizer, double weightDecay, double initStd, long seed,
    int admitAfter, long capacity, Eviction eviction, long maxAge, int sketchWidth) {

  /** How a full table chooses the row to give up. Both are sampled (as Redis does): the worst of 16 random rows (of all rows, in tables of at most 64). */
  public enum Eviction implements ConfigEnum {
    /** the least recently used */
    LRU,
    /** the least frequently seen (ties: the least recently used) */
    LFU
  }

  public TableSpec {
    if (dim < 1 || idSpace < 1 || admitAfter < 1 || capacity < 0 || maxAge < 0) {
      throw new IllegalArgumentException("table " + name + ": dim, id space and admit_after must be positive, capacity and max_age >= 0");
    }
  }

  /** A table that holds every id it is asked for, initialised as Tandem's in-network tables are. */
  public static TableSpec unbounded(String name, int dim, long idSpace, RowOptimizer optimizer, long seed) {
    return new TableSpec(name, dim, idSpace, optimizer, 0, 0.05, seed, 1, 0, Eviction.LRU, 0, 1 << 16);
  }

  /** What a row needs at the least: its floats and its optimizer state. */
  public long idealBytesPerRow() {
    return 4L * (dim + optimizer.stateFloats(dim));
  }
}
