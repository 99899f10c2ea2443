package dev.tandem.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The answer to a request, best first. As JSON (snake_case): {@code items} is the list of item ids and {@code scores}
 * their scores in the same order; {@code details} and {@code explain} appear only when asked for.
 *
 * @param model       the registry name of the bundle
 * @param version     its version
 * @param requestId   the id of this answer in the impression log, for {@code POST /feedback} (null when answers are not
 *                    logged)
 * @param arm         the experiment arm that answered ({@code control} or {@code challenger}; null outside an experiment)
 * @param user        the user asked about
 * @param path        how the user was served: known (a user the bundle knows), cold_features (unknown user, encoded from
 *                    request attributes) or popularity (unknown user without attributes)
 * @param items       item ids, best first
 * @param scores      their scores: the ranking model's probability when ranked, else the inner product of user and item
 *                    vectors (popularity path: the item's train positives)
 * @param exploration the ids among {@code items} that are exploration items
 * @param cached      served from the result cache
 * @param details     per item: scores and ranks at each stage (explain only)
 * @param explain     what the pipeline did (explain only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recommendations(String model, int version, String requestId, String arm, String user, RecommendationPath path, List<String> items, List<Double> scores,
    List<String> exploration, boolean cached, List<Detail> details, Explanation explain) {

  /**
   * One recommended item, explained.
   *
   * @param id             item id
   * @param score          its final score (see {@link Recommendations#scores})
   * @param retrievalScore inner product of the user and item vectors (null on the popularity path)
   * @param retrievalRank  its position among the retrieved candidates (1 = best; null for items from the catalogue)
   * @param rankingScore   the ranking model's probability (null when not ranked)
   * @param explore        an exploration item
   * @param attributes     the item's raw attributes
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Detail(String id, double score, Double retrievalScore, Integer retrievalRank, Double rankingScore, boolean explore,
      Map<String, String> attributes) {}

  /**
   * What the pipeline did for one request.
   *
   * @param features     the raw attributes the user vector was encoded from
   * @param index        the retrieval index (exact or hnsw)
   * @param candidates   candidates retrieved
   * @param seenExcluded items excluded because the user had seen them (or the request excluded them)
   * @param ranked       whether the ranking model scored the candidates
   * @param capped       items skipped by max_per rules, with the attribute value that was full
   * @param explorationSlots slots given to exploration items
   * @param stageMs      milliseconds spent in each stage: user_vector (encoding and user tower), retrieval, ranking, rules; for a
   *                     model with history features also history (the part of user_vector and ranking spent computing them)
   */
  public record Explanation(Map<String, String> features, String index, int candidates, int seenExcluded, boolean ranked,
      List<String> capped, int explorationSlots, Map<String, Double> stageMs) {}

  /** An answer outside an experiment and the impression log (no request id, no arm). */
  public Recommendations(String model, int version, String user, RecommendationPath path, List<String> items, List<Double> scores,
      List<String> exploration, boolean cached, List<Detail> details, Explanation explain) {
    this(model, version, null, null, user, path, items, scores, exploration, cached, details, explain);
  }

  /** The same answer marked as coming from the cache, with or without the explanation. */
  Recommendations served(boolean fromCache, boolean withExplanation) {
    return new Recommendations(model, version, requestId, arm, user, path, items, scores, exploration, fromCache,
        withExplanation ? details : null, withExplanation ? explain : null);
  }

  /** The same answer as served by an experiment's {@code arm}. */
  public Recommendations withArm(String a) {
    return new Recommendations(model, version, requestId, a, user, path, items, scores, exploration, cached, details, explain);
  }

  /** The same answer under its id in the impression log. */
  public Recommendations withRequestId(String id) {
    return new Recommendations(model, version, id, arm, user, path, items, scores, exploration, cached, details, explain);
  }

  /** The same answer without the details and explanation (when they were computed for the log, not asked for). */
  public Recommendations withoutExplanation() {
    return details == null && explain == null ? this
        : new Recommendations(model, version, requestId, arm, user, path, items, scores, exploration, cached, null, null);
  }
}
