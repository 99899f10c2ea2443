/**
 * Delimited text at the byte level: cutting a stream into chunks of whole lines, walking records (quoted fields,
 * including ones that run over a line break), splitting fields without copying, parsing numbers, coding ids through
 * per-thread caches and shared dictionaries, and the bad-row accounting of {@code max_bad_rows}.
 *
 * <p>Plain Java: must not import any other package of this module, Hadoop, or anything beyond the JDK. No Spark, no
 * DL4J, no ND4J.
 */
package dev.tandem.datasets.text;
