/**
 * The synthetic interaction generator: users, items and events CSV files with a planted, learnable signal, read back
 * by the same reader as any event log (its layout is a {@code source} configuration).
 *
 * <p>Must not import the preparation pipeline, features, profiles or the shard format. No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.synth;
