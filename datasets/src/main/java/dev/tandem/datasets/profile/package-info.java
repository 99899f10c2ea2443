/**
 * Per-split, per-feature statistics of a prepared dataset ({@code profile.json}): counts, top values, out-of-vocabulary
 * rates, quantiles and histograms on train's bin edges, the reference later data is compared with for drift.
 *
 * <p>Reads features through {@code features}; must not import the readers ({@code source}, {@code text}) or the shard
 * format. No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.profile;
