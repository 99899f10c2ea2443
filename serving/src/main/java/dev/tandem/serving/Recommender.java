package dev.tandem.serving;

import java.util.Map;

/**
 * Recommendations for one user at a time: encode the request, compute the user vector, retrieve candidates by maximum
 * inner product, score them with the ranking model, apply the business rules. Safe for concurrent use.
 *
 * <p>Whoever creates a recommender closes it, after everything that uses it (an HTTP server, a batch job) has stopped.
 */
public interface Recommender extends AutoCloseable {

  /**
   * The top {@code request.k()} items for a request, best first (fewer only if the catalogue, less the excluded items,
   * has fewer). An unknown user is not an error: it takes a cold-start path ({@link Recommendations#path()}). The
   * result is immutable and the caller's to keep; it may be shared with other callers through the cache.
   *
   * @throws IllegalArgumentException a malformed request: empty user, k out of range, an attribute the model does not
   *                                  read; the message says which and is fit to show the client
   * @throws IllegalStateException    the recommender is closed
   */
  Recommendations recommend(RecommendRequest request);

  /**
   * The live history of the models' history features, which {@code POST /events} feeds; null when the models read none
   * (then events change nothing and are not taken).
   */
  default dev.tandem.serving.history.LiveHistory history() {
    return null;
  }

  /**
   * The encoded model inputs of a (user, item) pair as the models would read them: user, item and context features,
   * history features as of {@code time}. A read-only view for checking what the models see (e.g. against prepared
   * data); values are indices, numbers (null for missing) or lists of indices, by feature name.
   *
   * @param item       an item id, or null for a query without a candidate (the user tower's view)
   * @param time       epoch seconds between the time the history is at and the server's clock; null for now
   * @param attributes request attributes, as for {@link #recommend}
   * @throws IllegalArgumentException for an unknown item or attribute, or a time outside that range
   * @throws UnsupportedOperationException if this recommender does not show its inputs
   */
  default Map<String, Object> inputs(String user, String item, Long time, Map<String, String> attributes) {
    throw new UnsupportedOperationException("this recommender does not show its model inputs");
  }

  /** The registry name of the model served. */
  String model();

  /** The registry version of the model served. */
  int version();

  /** Items in the catalogue, every one of which may be recommended. */
  int catalogueSize();

  /**
   * Statistics of each cache by name ("user_vectors", "results"), in a new map the caller may keep; cheap enough to be
   * read at every metrics scrape. Works after {@link #close()} too.
   */
  Map<String, CacheReport> caches();

  /**
   * Hits and misses of one cache since start.
   *
   * @param hitRate hits / (hits + misses); NaN before the first lookup
   * @param size    entries held now (approximate)
   */
  record CacheReport(long hits, long misses, double hitRate, long size) {}

  /**
   * Releases what the recommender holds beyond its bundle (model copies, indexes, caches). Requests in progress finish;
   * later ones throw {@link IllegalStateException}. Calling it again does nothing; it throws nothing.
   */
  @Override
  void close();
}
