package dev.tandem.serving;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One recommendation request.
 *
 * @param user       the user's id; an id the bundle does not know takes the cold-start path
 * @param k          how many items
 * @param attributes raw attributes by source column: context (e.g. device) for anyone, user attributes (e.g. country,
 *                   age) for users the bundle does not know; encoded by the bundle's feature transform
 * @param exclude    item ids not to recommend (besides those the user has seen)
 * @param explain    include per-item scores, ranks and the rules applied
 * @param useCache   look up and store the result in the cache (false for offline batches and benchmarks)
 */
public record RecommendRequest(String user, int k, Map<String, String> attributes, Set<String> exclude, boolean explain, boolean useCache) {
  public RecommendRequest {
    // sorted copies: requests equal in content are equal as cache keys
    attributes = attributes == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(attributes));
    exclude = exclude == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(exclude));
  }

  public static RecommendRequest of(String user, int k) {
    return new RecommendRequest(user, k, Map.of(), Set.of(), false, true);
  }

  public RecommendRequest withAttributes(Map<String, String> a) {
    return new RecommendRequest(user, k, a, exclude, explain, useCache);
  }

  public RecommendRequest withExplain(boolean e) {
    return new RecommendRequest(user, k, attributes, exclude, e, useCache);
  }

  public RecommendRequest withCache(boolean c) {
    return new RecommendRequest(user, k, attributes, exclude, explain, c);
  }

  public RecommendRequest withExclude(Set<String> e) {
    return new RecommendRequest(user, k, attributes, e, explain, useCache);
  }
}
