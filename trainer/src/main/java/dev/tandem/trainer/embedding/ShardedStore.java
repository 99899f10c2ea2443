package dev.tandem.trainer.embedding;

import java.util.List;

/**
 * An {@link EmbeddingStore} whose rows are split over several shards (parameter-server processes) by
 * {@code ShardRouting.shardOf(table, id, shards)}. Besides pulling and pushing rows it takes checkpoints that are one
 * moment across all shards, restores from checkpoints written by any number of shards, and reports each shard's load.
 *
 * <p>Like every store, driven by one trainer thread.
 */
public interface ShardedStore extends EmbeddingStore {

  /**
   * How a worker reaches the shards.
   *
   * @param shards       the shards' addresses {@code host:port}, in shard order
   * @param staleness    how many steps' pushes may be unacknowledged (0: synchronous)
   * @param timeoutMs    how long a request may go unanswered before its shard is taken as gone
   * @param replyHost    the address shards answer this worker on
   * @param termBufferMb Aeron term buffer of the worker's streams
   * @param run          the training run (one session of it) the tables belong to: shards holding another run's
   *                     tables drop them once none of its workers is connected, so a run never starts on rows it did
   *                     not train
   */
  record Settings(List<String> shards, int staleness, long timeoutMs, String replyHost, int termBufferMb, String run) {
    public Settings {
      shards = List.copyOf(shards);
    }
  }

  /**
   * Opens sharded stores; found through {@link java.util.ServiceLoader} (the parameter-server module provides the
   * Aeron one), so that the trainer does not depend on a transport.
   */
  interface Provider {
    /**
     * Connects to every shard and opens {@code tables} there (a shard that already holds tables of the same specs keeps
     * their rows).
     *
     * @throws ShardUnavailableException when a shard does not answer
     */
    ShardedStore connect(Settings settings, List<TableSpec> tables);
  }

  /** Connects through the provider on the class path. */
  static ShardedStore connect(Settings settings, List<TableSpec> tables) {
    Provider p = java.util.ServiceLoader.load(Provider.class).findFirst().orElseThrow(() -> new IllegalStateException(
        "model.embeddings.store: sharded needs a parameter-server client on the class path (module tandem-parameter-server)"));
    return p.connect(settings, tables);
  }

  /** How many shards hold the tables. */
  int shards();

  /**
   * Writes one part per shard into directory {@code dirUri} (any Hadoop URI), as of the end of training step
   * {@code step}: every push issued before this call is applied first (a barrier), and nothing issued after it is in
   * the parts. Each shard writes its part under a temporary name and renames it into place, so a part either exists
   * whole or not at all; committing the parts together (a manifest written last) is the caller's business.
   *
   * @param delta {@code false}: every row a shard holds; {@code true}: only rows changed (and ids removed) since the
   *              shard's last full part
   * @return the parts written, in shard order
   * @throws ShardUnavailableException when a shard does not answer
   */
  List<PartFile> checkpoint(String dirUri, long step, boolean delta);

  /**
   * Replaces every shard's rows with those of a checkpoint: {@code parts} lists the full parts of the checkpoint
   * (written by any number of shards) followed by its delta parts. Each shard reads every part, verifies its size and
   * SHA-256, and keeps the rows routed to it.
   *
   * @throws ShardUnavailableException when a shard does not answer
   * @throws dev.tandem.fs.CorruptDataException (from the shard, as a {@link ShardFailedException}) naming a part that
   *                                            does not verify or load
   */
  void restore(List<PartFile> parts);

  /** Each shard's rows, memory and traffic so far, in shard order. */
  List<ShardStats> shardStats();

  /**
   * One shard's part of a checkpoint.
   *
   * @param uri    where it is (a Hadoop URI)
   * @param shard  the shard that wrote it
   * @param shards how many shards the store had when it was written
   * @param delta  whether it holds only the rows changed since that shard's last full part
   * @param bytes  its length
   * @param sha256 its SHA-256, hex
   */
  record PartFile(String uri, int shard, int shards, boolean delta, long bytes, String sha256) {}

  /**
   * One shard's state and traffic.
   *
   * @param shard      its index
   * @param address    where it listens (host:port)
   * @param tables     what its tables hold
   * @param requests   requests it answered (pulls, lookups, pushes, checkpoints...)
   * @param rowsPulled rows it sent for pulls and lookups
   * @param rowsPushed row gradients it applied or dropped
   * @param bytesIn    bytes received from workers
   * @param bytesOut   bytes sent to workers
   * @param uptimeMs   since the shard started
   * @param serviceCpuNanos CPU time its request thread spent handling messages (decoding, the store's work, replying),
   *                   idle polling excluded: what the requests themselves cost
   * @param processCpuNanos CPU time of the shard's whole process so far (its media driver, idle polling, GC and
   *                   start-up included); -1 where the JVM does not report it
   */
  record ShardStats(int shard, String address, List<TableStats> tables, long requests, long rowsPulled, long rowsPushed, long bytesIn,
      long bytesOut, long uptimeMs, long serviceCpuNanos, long processCpuNanos) {

    /** Bytes the shard's tables take. */
    public long bytes() {
      return tables.stream().mapToLong(TableStats::bytes).sum();
    }

    /** Rows the shard holds. */
    public long rows() {
      return tables.stream().mapToLong(TableStats::rows).sum();
    }
  }
}
