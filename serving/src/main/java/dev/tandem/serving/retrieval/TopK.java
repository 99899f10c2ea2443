package dev.tandem.serving.retrieval;

/**
 * Keeps the k best (score, row) pairs offered: a min-heap on rank whose root is the worst kept pair. "Better" is a
 * higher score, or an equal score and a lower row, the same order as offline evaluation.
 */
final class TopK {
  private final int k;
  private final int[] rows;
  private final float[] scores;
  private int size;

  TopK(int k) {
    this.k = k;
    this.rows = new int[k];
    this.scores = new float[k];
  }

  /** The score an offer must beat to enter a full heap (entries equal to it enter only with a lower row). */
  float threshold() {
    return size < k ? Float.NEGATIVE_INFINITY : scores[0];
  }

  boolean full() {
    return size == k;
  }

  void offer(int row, float score) {
    if (k == 0) {
      return;
    }
    if (size < k) {
      rows[size] = row;
      scores[size] = score;
      up(size++);
    } else if (better(score, row, scores[0], rows[0])) {
      rows[0] = row;
      scores[0] = score;
      down();
    }
  }

  private static boolean better(float sa, int ra, float sb, int rb) {
    return sa > sb || (sa == sb && ra < rb);
  }

  private void up(int i) {
    while (i > 0) {
      int p = (i - 1) / 2;
      if (better(scores[p], rows[p], scores[i], rows[i])) {
        swap(i, p);
        i = p;
      } else {
        return;
      }
    }
  }

  private void down() {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int worst = i;
      if (l < size && better(scores[worst], rows[worst], scores[l], rows[l])) {
        worst = l;
      }
      if (r < size && better(scores[worst], rows[worst], scores[r], rows[r])) {
        worst = r;
      }
      if (worst == i) {
        return;
      }
      swap(i, worst);
      i = worst;
    }
  }

  private void swap(int a, int b) {
    int tr = rows[a];
    rows[a] = rows[b];
    rows[b] = tr;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }

  /** The kept pairs, best first; empties the heap. */
  Candidates drain() {
    int n = size;
    int[] outRows = new int[n];
    float[] outScores = new float[n];
    for (int j = n - 1; j >= 0; j--) {
      outRows[j] = rows[0];
      outScores[j] = scores[0];
      size--;
      rows[0] = rows[size];
      scores[0] = scores[size];
      down();
    }
    return new Candidates(outRows, outScores);
  }
}
