/**
 * Embedding tables kept beside the network instead of inside DL4J's flat parameter vector: the
 * {@link dev.tandem.trainer.embedding.EmbeddingStore} contract (pull the rows of a batch's distinct ids, push their
 * gradients), the in-process store that serves one machine ({@link dev.tandem.trainer.embedding.InProcessEmbeddingStore}:
 * one float slab per table, an open-addressing id-to-slot map, optimizer state per row), the row-wise optimizers
 * ({@link dev.tandem.trainer.embedding.RowOptimizer}), admission of new ids through a count-min sketch and eviction
 * when a table is full or a row grows old.
 *
 * <p>Only the rows of a batch are read or written: a step's cost does not depend on how many ids a table holds, which
 * is what lets tables grow to millions of ids (and, later, be sharded across parameter-server processes behind the
 * same contract).
 *
 * <p>Sharded: a parameter-server shard is one in-process store holding the rows {@link
 * dev.tandem.trainer.embedding.ShardRouting} sends it. Its checkpoint parts (full, or a delta of the rows changed
 * since the last full part) are row records, so {@code InProcessEmbeddingStore.restoreShard} restores a checkpoint onto
 * any number of shards, and onto the same number exactly.
 *
 * <p>Must not import: {@code dev.tandem.trainer.model}, {@code dev.tandem.trainer.train},
 * {@code dev.tandem.trainer.checkpoint}, {@code dev.tandem.trainer.eval}, {@code dev.tandem.trainer.tune},
 * {@code dev.tandem.ps}, {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.deeplearning4j},
 * {@code org.nd4j}, {@code org.apache.spark}. The store knows rows and gradients, not networks.
 */
package dev.tandem.trainer.embedding;
