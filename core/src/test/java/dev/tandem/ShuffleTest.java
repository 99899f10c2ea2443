package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShuffleTest {
  @Test
  void aPermutationIsEveryIndexOnceAndDependsOnlyOnTheGenerator() {
    int[] a = Shuffle.permutation(1000, new SplittableRandom(7));
    assertThat(Arrays.stream(a).sorted().toArray()).isEqualTo(IntStream.range(0, 1000).toArray());
    assertThat(a).isNotEqualTo(IntStream.range(0, 1000).toArray());
    assertThat(Shuffle.permutation(1000, new SplittableRandom(7))).isEqualTo(a);
    assertThat(Shuffle.permutation(1000, new SplittableRandom(8))).isNotEqualTo(a);
    assertThat(Shuffle.permutation(0, new SplittableRandom(7))).isEmpty();
    assertThat(Shuffle.permutation(1, new SplittableRandom(7))).containsExactly(0);
  }

  /** Fisher-Yates from the top, one draw per position: the order Tandem's seeds have always produced. */
  @Test
  void drawsFromTheTopDown() {
    SplittableRandom draws = new SplittableRandom(3);
    int j2 = draws.nextInt(3);
    int j1 = draws.nextInt(2);
    int[] expected = {0, 1, 2};
    int t = expected[2];
    expected[2] = expected[j2];
    expected[j2] = t;
    t = expected[1];
    expected[1] = expected[j1];
    expected[j1] = t;
    assertThat(Shuffle.permutation(3, new SplittableRandom(3))).isEqualTo(expected);
  }

  /** Every value lands in every position about equally often: no position is favoured. */
  @Test
  void isUniform() {
    int n = 5;
    int rounds = 50_000;
    int[][] counts = new int[n][n];
    SplittableRandom random = new SplittableRandom(11);
    for (int r = 0; r < rounds; r++) {
      int[] p = Shuffle.permutation(n, random);
      for (int i = 0; i < n; i++) {
        counts[i][p[i]]++;
      }
    }
    for (int[] row : counts) {
      for (int c : row) {
        assertThat(c).isBetween(rounds / n - 500, rounds / n + 500);
      }
    }
  }
}
