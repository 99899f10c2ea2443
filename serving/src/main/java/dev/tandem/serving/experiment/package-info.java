/**
 * Online A/B experiments: users assigned to a control and a challenger arm by a salted hash of their id
 * ({@link dev.tandem.serving.experiment.Assignment}), both arms served by one server
 * ({@link dev.tandem.serving.experiment.ExperimentRecommender}), every answer logged with what the model saw
 * ({@link dev.tandem.serving.experiment.Tracking}, {@link dev.tandem.serving.experiment.ImpressionLog}), what users did
 * with it taken by {@code POST /feedback} ({@link dev.tandem.serving.experiment.Feedback}), and the per-arm comparison
 * read back from those two logs alone ({@code AbReport}).
 *
 * <p>Must not import: {@code io.netty}, {@code dev.tandem.serving.bundle}, {@code dev.tandem.serving.retrieval},
 * {@code dev.tandem.serving.http}, {@code dev.tandem.trainer}, {@code org.deeplearning4j}, {@code org.nd4j},
 * {@code org.apache.spark}. An experiment works on {@link dev.tandem.serving.Recommender}s and logs: it serves whatever
 * implements one, and a report needs nothing but the logs.
 */
package dev.tandem.serving.experiment;
