package dev.tandem.trainer.embedding;

/**
 * Which shard of a sharded embedding store owns a row: a stable hash of (table index, id) reduced to the shard count.
 *
 * <p>This function is part of the checkpoint format. Every part of a sharded checkpoint holds exactly the rows that
 * {@code shardOf} sent to the shard that wrote it, and {@link InProcessEmbeddingStore#restoreShard} re-hashes rows with
 * it to restore onto any number of shards. Changing it (its constants, the mixing, the reduction, how the table index
 * enters) would make every existing checkpoint's parts claim rows they do not own: it must never change. The test pins
 * its values.
 *
 * <p>The hash: {@code z = id + (table + 1) * 0x9E3779B97F4A7C15}, then SplitMix64's finaliser
 * ({@code z = (z ^ z >>> 30) * 0xBF58476D1CE4E5B9; z = (z ^ z >>> 27) * 0x94D049BB133111EB; z ^= z >>> 31}), then the
 * unsigned remainder by {@code shards}. Sequential ids spread evenly; the same id lands on different shards in
 * different tables, so one hot id (say, user 0 and item 0) does not pile every table's row onto one shard.
 */
public final class ShardRouting {
  private ShardRouting() {}

  /**
   * The shard, in {@code [0, shards)}, that owns row {@code id} of table {@code table} (the table's index in the store's
   * specs); 0 when {@code shards} is 1.
   *
   * @throws IllegalArgumentException when {@code shards < 1} or {@code table < 0}
   */
  public static int shardOf(int table, long id, int shards) {
    if (shards < 1 || table < 0) {
      throw new IllegalArgumentException("shardOf needs shards >= 1 and a table index >= 0, got shards " + shards + ", table " + table);
    }
    if (shards == 1) {
      return 0;
    }
    long z = id + (table + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (int) Long.remainderUnsigned(z, shards);
  }
}
