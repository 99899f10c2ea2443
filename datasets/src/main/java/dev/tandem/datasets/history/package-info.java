/**
 * Point-in-time features: what a user's or an item's earlier events say about an event, computed as of the event's time.
 * {@link dev.tandem.datasets.history.HistoryState} holds every entity's history and applies the as-of rule (an event at
 * t sees the events with timestamp {@code < t - availability_delay}); {@link dev.tandem.datasets.history.HistoryFeature}
 * is one feature's definition with its train-fitted prior. Preparation, evaluation and serving all compute history
 * through this package, so the training data and the served requests cannot disagree.
 *
 * <p>Must not import the readers ({@code source}, {@code text}), the shard format, the profiles or the encodings
 * ({@code features}, which builds on this package). No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.history;
