package dev.tandem.serving;

import java.util.Map;

/**
 * Recommendations for one user at a time: encode the request, compute the user vector, retrieve candidates by maximum
 * inner product, score them with the ranking model, apply the business rules. Safe for concurrent use.
 */
public interface Recommender extends AutoCloseable {

  /**
   * The top items for a request. Throws {@link IllegalArgumentException} for a malformed request (empty user, k out
   * of range, unknown attribute); an unknown user is not an error: it takes the cold-start path.
   */
  Recommendations recommend(RecommendRequest request);

  /** The model name and version served. */
  String model();

  int version();

  /** Items in the catalogue. */
  int catalogueSize();

  /** Statistics of each cache ("user_vectors", "results"). */
  Map<String, CacheReport> caches();

  /**
   * Hits and misses of one cache since start.
   *
   * @param hitRate hits / (hits + misses); NaN before the first lookup
   */
  record CacheReport(long hits, long misses, double hitRate, long size) {}

  @Override
  void close();
}
