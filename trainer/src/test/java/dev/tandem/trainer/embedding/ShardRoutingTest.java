package dev.tandem.trainer.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardRoutingTest {

  @Test
  void sequentialIdsSpreadEvenlyOverFourShards() {
    for (int table = 0; table < 3; table++) {
      int[] n = new int[4];
      for (long id = 0; id < 100_000; id++) {
        n[ShardRouting.shardOf(table, id, 4)]++;
      }
      for (int s = 0; s < 4; s++) {
        assertTrue(Math.abs(n[s] - 25_000) < 750, "table " + table + ": shard " + s + " got " + n[s] + " of 100000 ids");
      }
    }
  }

  @Test
  void sameInputSameShardAndOneShardIsShardZero() {
    for (long id = 0; id < 10_000; id += 7) {
      int s = ShardRouting.shardOf(1, id, 5);
      assertTrue(s >= 0 && s < 5);
      assertEquals(s, ShardRouting.shardOf(1, id, 5));
      assertEquals(0, ShardRouting.shardOf(1, id, 1));
    }
    assertTrue(ShardRouting.shardOf(0, Long.MAX_VALUE, 3) >= 0);
    assertThrows(IllegalArgumentException.class, () -> ShardRouting.shardOf(0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> ShardRouting.shardOf(-1, 1, 2));
  }

  @Test
  void tablesRouteTheSameIdIndependently() {
    int differ = 0;
    for (long id = 0; id < 1000; id++) {
      if (ShardRouting.shardOf(0, id, 8) != ShardRouting.shardOf(1, id, 8)) {
        differ++;
      }
    }
    assertTrue(differ > 800, differ + " of 1000 ids land on different shards in tables 0 and 1");
    assertNotEquals(ShardRouting.shardOf(0, 12345, 1 << 20), ShardRouting.shardOf(1, 12345, 1 << 20));
  }

  /** The routing is part of the checkpoint format: these values must never change (a change strands old checkpoints). */
  @Test
  void valuesArePinned() {
    int[] got = new int[12];
    long[] ids = {0, 1, 2, 3, 1000, 123_456_789_012L};
    for (int i = 0; i < ids.length; i++) {
      got[2 * i] = ShardRouting.shardOf(0, ids[i], 7);
      got[2 * i + 1] = ShardRouting.shardOf(3, ids[i], 1024);
    }
    assertArrayEquals(PINNED, got, java.util.Arrays.toString(got));
  }

  private static final int[] PINNED = {2, 492, 2, 267, 4, 612, 2, 463, 0, 935, 3, 556}; // computed independently (Python, same formula)
}
