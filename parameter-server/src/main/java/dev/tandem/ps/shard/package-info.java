/**
 * Embedding tables sharded over parameter-server processes on Aeron UDP (issue 18): {@link dev.tandem.ps.shard.ShardServer}
 * hosts the rows routed to one shard, {@link dev.tandem.ps.shard.AeronShardedStore} is the trainer's
 * {@link dev.tandem.trainer.embedding.ShardedStore} over them, and {@code ShardWire} is their binary protocol
 * (little-endian Agrona buffers, large batches in chunks under Aeron's largest message).
 */
package dev.tandem.ps.shard;
