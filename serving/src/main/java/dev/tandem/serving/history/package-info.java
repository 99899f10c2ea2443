/**
 * Point-in-time history in serving: the events a bundle ships ({@link dev.tandem.serving.history.HistoryEvents},
 * {@code history/events.tds}), the live history a recommender keeps up to date with new events and computes its
 * models' history features from ({@link dev.tandem.serving.history.LiveHistory}, through the datasets module's
 * {@code HistoryFeatures}: the code that prepared the training data), the events clients post
 * ({@link dev.tandem.serving.history.ServedEvent}) and the write-ahead log that makes each acknowledged event durable and
 * is replayed on restart ({@link dev.tandem.serving.history.EventLog}). A live history is its recommender's; a log is
 * whoever opened it.
 *
 * <p>Must not import: {@code dev.tandem.serving}, {@code io.netty}, {@code org.deeplearning4j}, {@code org.nd4j},
 * {@code org.apache.spark}. History is data about users and items: it knows no model, bundle, server or registry.
 */
package dev.tandem.serving.history;
