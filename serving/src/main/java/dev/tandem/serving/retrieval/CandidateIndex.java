package dev.tandem.serving.retrieval;

import java.util.BitSet;

/**
 * Maximum-inner-product search over a catalogue's item vectors. Implementations are safe for concurrent searches.
 *
 * <p>An index is owned by whoever built it: that owner closes it. The item vectors it searches belong to the bundle they
 * came from, not to the index.
 */
public interface CandidateIndex extends AutoCloseable {

  /**
   * The {@code n} items with the largest inner product with {@code query}, best first (ties: lower row first),
   * skipping the rows set in {@code excluded} (may be null, and is only read). Fewer than n only if the catalogue has
   * fewer that are not excluded. The result is the caller's. Throws {@link IllegalArgumentException} if the query's
   * dimension is not the index's, {@link IllegalStateException} once the index is closed.
   */
  Candidates search(float[] query, int n, BitSet excluded);

  /** "exact" or "hnsw": the label of explanations and benchmarks. */
  String kind();

  /** Items indexed, the rows {@link #search} may return being {@code 0 .. size() - 1}. */
  int size();

  /**
   * Releases what the index built for itself (an HNSW graph can take gigabytes of heap); searches in progress finish,
   * later ones throw {@link IllegalStateException}. Harmless when called again. The default releases nothing: an index
   * that only reads the item vectors holds nothing of its own.
   */
  @Override
  default void close() {}
}
