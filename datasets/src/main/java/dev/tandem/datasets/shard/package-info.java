/**
 * The {@code .tds} column file: a versioned, checksummed, column-wise binary format for event shards and entity
 * tables, verified on every read.
 *
 * <p>Knows nothing of events, features or configuration: must not import any other package of this module (only
 * core's file system and persisted-format support, Hadoop's paths and Jackson). No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.shard;
