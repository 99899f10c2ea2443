/**
 * Where raw data comes from and how it is read: the {@code dataset.source} configurations (a CSV/TSV event log with
 * side tables, MovieLens-100k, synthetic), the parallel event-log reader, the side-table reader, input files (listing,
 * decompression by extension or gzip magic bytes, binary detection) and timestamp parsing. Every row that cannot be
 * used is counted by reason with its file and line.
 *
 * <p>Builds on {@code text} and core; must not import the preparation pipeline, features, profiles or the shard format.
 * No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.source;
