package dev.tandem.datasets;

import java.util.Arrays;

/**
 * Stable least-significant-digit radix sort of a permutation by unsigned integer keys, 16 bits a pass. Sorting by
 * item, then user, then timestamp yields the (timestamp, user, item) order with ties kept in input order, in O(n)
 * per pass: ten million events sort in well under a second.
 */
final class RadixSort {
  private RadixSort() {}

  /** Stably reorders {@code perm} by {@code key[perm[i]]} (non-negative), using {@code bits} low bits of the key. */
  static void byKey(int[] perm, long[] key, int bits) {
    int n = perm.length;
    int[] tmp = new int[n];
    int[] count = new int[1 << 16];
    for (int shift = 0; shift < bits; shift += 16) {
      Arrays.fill(count, 0);
      for (int i = 0; i < n; i++) {
        count[(int) ((key[perm[i]] >>> shift) & 0xFFFF)]++;
      }
      int sum = 0;
      for (int d = 0; d < count.length; d++) {
        int c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        int p = perm[i];
        tmp[count[(int) ((key[p] >>> shift) & 0xFFFF)]++] = p;
      }
      System.arraycopy(tmp, 0, perm, 0, n);
    }
  }

  static void byKey(int[] perm, int[] key, int bits) {
    long[] wide = new long[key.length];
    for (int i = 0; i < key.length; i++) {
      wide[i] = key[i] & 0xFFFFFFFFL;
    }
    byKey(perm, wide, bits);
  }

  /**
   * Sorts indices by packed keys that move along with them: sequential reads, no indirect key lookups, and passes
   * whose digit is the same for every key are skipped.
   */
  static int[] sortPairs(long[] key, int bits) {
    int n = key.length;
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    long[] k2 = new long[n];
    int[] p2 = new int[n];
    int[] count = new int[1 << 16];
    for (int shift = 0; shift < bits; shift += 16) {
      Arrays.fill(count, 0);
      for (int i = 0; i < n; i++) {
        count[(int) ((key[i] >>> shift) & 0xFFFF)]++;
      }
      if (count[(int) ((key[0] >>> shift) & 0xFFFF)] == n) {
        continue; // every key has the same digit here
      }
      int sum = 0;
      for (int d = 0; d < count.length; d++) {
        int c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        int at = count[(int) ((key[i] >>> shift) & 0xFFFF)]++;
        k2[at] = key[i];
        p2[at] = perm[i];
      }
      long[] tk = key;
      key = k2;
      k2 = tk;
      int[] tp = perm;
      perm = p2;
      p2 = tp;
    }
    return perm;
  }

  /** Bits needed to represent {@code max} (at least 1). */
  static int bitsFor(long max) {
    return Math.max(1, 64 - Long.numberOfLeadingZeros(max));
  }

  /** The permutation that sorts events by (timestamp, user row, item row), ties in input order. */
  static int[] eventOrder(long[] ts, int[] userRow, int[] itemRow, int users, int items) {
    int n = ts.length;
    if (n > 0) {
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (long t : ts) {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
      int tb = bitsFor(Math.max(1, max - min));
      int ub = bitsFor(Math.max(1, users - 1));
      int ib = bitsFor(Math.max(1, items - 1));
      if (max - min >= 0 && tb + ub + ib <= 64) {
        long[] key = new long[n];
        for (int i = 0; i < n; i++) {
          key[i] = ((ts[i] - min) << (ub + ib)) | ((long) userRow[i] << ib) | itemRow[i];
        }
        return sortPairs(key, tb + ub + ib);
      }
    }
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    if (n == 0) {
      return perm;
    }
    byKey(perm, itemRow, bitsFor(Math.max(1, items - 1)));
    byKey(perm, userRow, bitsFor(Math.max(1, users - 1)));
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long t : ts) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    long[] rel = new long[n];
    for (int i = 0; i < n; i++) {
      rel[i] = ts[i] - min;
    }
    byKey(perm, rel, bitsFor(Math.max(1, max - min)));
    return perm;
  }
}
