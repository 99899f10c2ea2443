package dev.tandem;

import java.util.random.RandomGenerator;

/**
 * Fisher-Yates shuffles drawn from the caller's generator, so that whoever owns the seed owns the order: the same
 * generator state gives the same permutation on every JVM. The one implementation of Tandem's data orders (training
 * epochs, synthetic catalogues, grid sweeps).
 */
public final class Shuffle {
  private Shuffle() {}

  /**
   * A uniformly random permutation of {@code 0 .. n-1}: the identity shuffled by {@link #inPlace}.
   *
   * @param random consumed: exactly {@code n - 1} draws (none for {@code n <= 1})
   */
  public static int[] permutation(int n, RandomGenerator random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    inPlace(order, random);
    return order;
  }

  /** Shuffles {@code values} in place, from the last position down, each swapped with a uniformly drawn one at or below it. */
  public static void inPlace(int[] values, RandomGenerator random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swapped = values[i];
      values[i] = values[j];
      values[j] = swapped;
    }
  }
}
