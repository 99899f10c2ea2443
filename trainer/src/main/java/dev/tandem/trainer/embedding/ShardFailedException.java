package dev.tandem.trainer.embedding;

/** A shard of a {@link ShardedStore} answered a request with an error (its message is the shard's own). */
public class ShardFailedException extends RuntimeException {
  private final int shard;

  public ShardFailedException(int shard, String address, String message) {
    super("parameter-server shard " + shard + " at " + address + " failed: " + message);
    this.shard = shard;
  }

  /** The shard's index. */
  public int shard() {
    return shard;
  }
}
