package dev.tandem.serving.retrieval;

import java.util.BitSet;

/**
 * Maximum-inner-product search over a catalogue's item vectors. Implementations are safe for concurrent searches.
 */
public interface CandidateIndex {

  /**
   * The {@code n} items with the largest inner product with {@code query}, best first (ties: lower row first),
   * skipping the rows set in {@code excluded} (may be null). Fewer than n only if the catalogue has fewer.
   */
  Candidates search(float[] query, int n, BitSet excluded);

  /** "exact" or "hnsw". */
  String kind();

  /** Items indexed. */
  int size();
}
