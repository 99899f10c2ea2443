/**
 * The HTTP endpoint: {@link dev.tandem.serving.http.RecommendServer} (Netty: connections, timeouts, the bounded request
 * pool, the drain at shutdown), the three endpoints as plain functions ({@code Endpoints}), query-string decoding and the
 * Prometheus metrics ({@link dev.tandem.serving.http.ServingMetrics}). It reaches models only through the
 * {@link dev.tandem.serving.Recommender} it is given and does not own: its creator closes that after the server.
 *
 * <p>Must not import: {@code dev.tandem.serving.bundle}, {@code dev.tandem.serving.registry},
 * {@code dev.tandem.serving.retrieval}, {@code dev.tandem.serving.bench}, {@code dev.tandem.datasets},
 * {@code dev.tandem.trainer}, {@code org.deeplearning4j}, {@code org.nd4j}, {@code org.apache.spark}. A server that
 * reached past the Recommender could not serve another implementation of it.
 */
package dev.tandem.serving.http;
