package dev.tandem.ps.shard;

import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import java.time.Duration;
import java.util.List;

/**
 * The trainer's way to {@link AeronShardedStore}: registered in {@code META-INF/services}, found by
 * {@link ShardedStore#connect} for a job with {@code model.embeddings.store: sharded}.
 */
public final class AeronShardedStoreProvider implements ShardedStore.Provider {

  /** Connects to the shards {@code settings} names, on a reply port chosen free on its reply host. */
  @Override
  public ShardedStore connect(ShardedStore.Settings settings, List<TableSpec> tables) {
    AeronShardedStore.Context ctx = new AeronShardedStore.Context()
        .shards(settings.shards())
        .replyHost(settings.replyHost())
        .requestTimeout(Duration.ofMillis(settings.timeoutMs()))
        .staleness(settings.staleness())
        .termBufferLength(settings.termBufferMb() * 1024 * 1024)
        .run(settings.run());
    return AeronShardedStore.connect(ctx, tables);
  }
}
