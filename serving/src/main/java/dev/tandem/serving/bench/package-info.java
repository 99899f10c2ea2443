/**
 * The serving benchmark ({@link dev.tandem.serving.bench.ServeBenchmark}): latency and throughput of single requests
 * through {@link dev.tandem.serving.BundleRecommender} over synthetic catalogues grown around a real bundle
 * ({@link dev.tandem.serving.bench.SyntheticCatalogue}), exact against HNSW. It owns the catalogues and indexes it builds.
 *
 * <p>Must not import: {@code dev.tandem.serving.http}, {@code dev.tandem.serving.registry}, {@code io.netty},
 * {@code org.apache.spark}. It measures the recommender itself, not the HTTP layer, and takes its bundle from the caller.
 */
package dev.tandem.serving.bench;
