/**
 * The recommender. Owns the {@link dev.tandem.serving.Recommender} API other modules call (a
 * {@link dev.tandem.serving.RecommendRequest} in, {@link dev.tandem.serving.Recommendations} out, the
 * {@link dev.tandem.serving.RecommendationPath} taken), its implementation over a serving bundle
 * ({@link dev.tandem.serving.BundleRecommender}: path choice, user tower, retrieval, ranking,
 * {@link dev.tandem.serving.BusinessRules}, caches), the serving configuration ({@link dev.tandem.serving.ServingConfig})
 * and batch predictions ({@link dev.tandem.serving.OfflinePredictions}). A recommender owns the model copies and the
 * index it makes; the bundle belongs to whoever loaded it.
 *
 * <p>Must not import: {@code dev.tandem.serving.http}, {@code dev.tandem.serving.bench}, {@code io.netty},
 * {@code org.apache.spark}. The recommender knows nothing of how it is reached or measured (PackageRulesTest checks).
 */
package dev.tandem.serving;
