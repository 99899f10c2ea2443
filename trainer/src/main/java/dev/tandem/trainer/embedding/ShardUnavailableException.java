package dev.tandem.trainer.embedding;

/**
 * A shard of a {@link ShardedStore} did not answer in time or its connection was lost: the store cannot go on, and a
 * run continues from its last checkpoint once the shard is back ({@code tandem train --resume}).
 */
public class ShardUnavailableException extends RuntimeException {
  private final int shard;
  private final String address;

  public ShardUnavailableException(int shard, String address, String message, Throwable cause) {
    super("parameter-server shard " + shard + " at " + address + ": " + message, cause);
    this.shard = shard;
    this.address = address;
  }

  /** The shard's index. */
  public int shard() {
    return shard;
  }

  /** Where the shard was listening (host:port). */
  public String address() {
    return address;
  }
}
