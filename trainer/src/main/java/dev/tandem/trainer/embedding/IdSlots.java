package dev.tandem.trainer.embedding;

import java.util.Arrays;

/**
 * Ids (non-negative longs) to slots (ints): open addressing with linear probing over two primitive arrays, grown at
 * half full, deletion by backward shift (no tombstones, so probe lengths stay short under constant churn of
 * admissions and evictions). No boxing: 12 bytes per entry at twice the entries' count.
 */
final class IdSlots {
  private static final long FREE = -1;
  private long[] keys;
  private int[] values;
  private int mask;
  private int size;

  IdSlots(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[cap];
    Arrays.fill(keys, FREE);
    values = new int[cap];
    mask = cap - 1;
  }

  static int hash(long id) {
    long h = id * 0x9E3779B97F4A7C15L;
    h ^= h >>> 32;
    h *= 0xC2B2AE3D27D4EB4FL;
    return (int) (h ^ (h >>> 29));
  }

  int size() {
    return size;
  }

  /** The id's slot, or -1. */
  int get(long id) {
    int i = hash(id) & mask;
    while (true) {
      long k = keys[i];
      if (k == id) {
        return values[i];
      }
      if (k == FREE) {
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  /** Maps a new id (not present) to a slot. */
  void put(long id, int slot) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    int i = hash(id) & mask;
    while (keys[i] != FREE) {
      i = (i + 1) & mask;
    }
    keys[i] = id;
    values[i] = slot;
    size++;
  }

  /** Removes an id that is present. */
  void remove(long id) {
    int i = hash(id) & mask;
    while (keys[i] != id) {
      if (keys[i] == FREE) {
        return;
      }
      i = (i + 1) & mask;
    }
    size--;
    // backward shift: move later entries of the probe run into the gap when their home allows it
    int gap = i;
    int j = (i + 1) & mask;
    while (keys[j] != FREE) {
      int home = hash(keys[j]) & mask;
      boolean movable = gap <= j ? home <= gap || home > j : home <= gap && home > j;
      if (movable) {
        keys[gap] = keys[j];
        values[gap] = values[j];
        gap = j;
      }
      j = (j + 1) & mask;
    }
    keys[gap] = FREE;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    Arrays.fill(keys, FREE);
    values = new int[oldValues.length * 2];
    mask = keys.length - 1;
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != FREE) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }

  long bytes() {
    return keys.length * 8L + values.length * 4L;
  }
}
