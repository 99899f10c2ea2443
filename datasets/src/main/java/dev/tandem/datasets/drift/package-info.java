/**
 * Data drift between two profiles ({@code profile.json} splits): population stability index, Jensen-Shannon distance
 * and Kolmogorov-Smirnov statistics over the profile's bins or top values, out-of-vocabulary and label rates, each
 * judged against configurable thresholds into ok / warn / alert, for a feature and for the dataset.
 *
 * <p>Statistics follow Evidently's conventions: shares of each bin, an empty bin's share replaced by 0.0001 for PSI,
 * natural logarithms, Jensen-Shannon as scipy's {@code jensenshannon} (the square root of the divergence), a dataset
 * alert when a share of its features drift.
 *
 * <p>Must not import: {@code dev.tandem.datasets.source}, {@code dev.tandem.datasets.text},
 * {@code dev.tandem.datasets.shard}, {@code dev.tandem.datasets.features}. No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.drift;
