/**
 * Maximum-inner-product search over a catalogue's item vectors: the column-wise vector table
 * ({@link dev.tandem.serving.retrieval.ItemVectors}), exact search and HNSW ({@link dev.tandem.serving.retrieval.CandidateIndex}
 * and its implementations) and the top-K they share. An index belongs to whoever built it; the vectors to the bundle.
 *
 * <p>Must not import: {@code dev.tandem.serving}, {@code dev.tandem.datasets}, {@code dev.tandem.trainer},
 * {@code org.deeplearning4j}, {@code org.nd4j}, {@code io.netty}, {@code org.apache.spark}. Search is arithmetic on
 * float arrays: it needs no model, dataset or other part of serving.
 */
package dev.tandem.serving.retrieval;
