package dev.tandem.trainer.embedding;

import java.util.List;

/**
 * Embedding tables beside the network. A training step pulls the rows of its batch's distinct ids, the network turns
 * them into a loss, and the step pushes back each row's gradient, which the store applies with its row-wise optimizer.
 * Only the rows of the batch are read or written. Ids are {@code long}s in a table's own id space; a store may hold
 * only some of them (admission, eviction): a row it does not hold reads as zeros and its gradient is dropped (and
 * counted).
 *
 * <p>This is the contract a remote, sharded store (a parameter server) implements as well as the in-process one: every
 * call carries whole batches of ids, never one id at a time. Calls on one table are not concurrent: one trainer
 * thread drives a store.
 */
public interface EmbeddingStore extends AutoCloseable {

  /** The tables, in the order their indexes name them. */
  List<TableSpec> tables();

  /**
   * The rows of {@code ids[0..n)} for a training step, into {@code out} ({@code n * dim} floats, row {@code i} at
   * {@code i * dim}). Counts each id's sightings ({@code counts[i]} occurrences in the batch) towards its admission,
   * admits ids that reach the table's threshold (creating their rows, evicting others if the table is full) and marks
   * every row read as used at {@code step}. Rows read by one step are not evicted by that step.
   *
   * @param ids distinct ids
   * @throws IllegalArgumentException when an id lies outside the table's id space
   */
  void pull(int table, long step, long[] ids, int[] counts, int n, float[] out);

  /**
   * The rows of {@code ids[0..n)} as they are, for inference: nothing is counted, admitted or marked as used; rows the
   * table does not hold read as zeros.
   */
  void lookup(int table, long[] ids, int n, float[] out);

  /**
   * Applies the gradients of rows {@code ids[0..n)} ({@code gradients}, laid out as in {@link #pull}) at
   * {@code step} with learning rate {@code learningRate}. Gradients of ids the table does not hold are dropped and
   * counted as such.
   */
  void push(int table, long step, long[] ids, int n, float[] gradients, double learningRate);

  /** What the table holds now: rows, memory, admissions, evictions and refusals so far. */
  TableStats stats(int table);

  /** Releases the store's memory (a remote store: its connections). The store is unusable afterwards. */
  @Override
  void close();
}
