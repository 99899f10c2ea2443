package dev.tandem.serving.retrieval;

import java.util.BitSet;

/**
 * Exact maximum-inner-product search: every item is scored, a block of items at a time. Per block, one pass per
 * dimension adds {@code q[d] * column(d)} into a score buffer that stays in L1 cache; the JIT turns that pass into
 * SIMD code. The cost is one read of the whole table per query, so it is bound by memory bandwidth on large catalogues.
 */
public final class ExactIndex implements CandidateIndex {
  private static final int BLOCK = 2048;
  private final ItemVectors vectors;
  private final ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[BLOCK]);

  public ExactIndex(ItemVectors vectors) {
    this.vectors = vectors;
  }

  @Override
  public Candidates search(float[] query, int n, BitSet excluded) {
    if (query.length != vectors.dim()) {
      throw new IllegalArgumentException("query has dimension " + query.length + ", items " + vectors.dim());
    }
    int size = vectors.size();
    int dim = vectors.dim();
    TopK top = new TopK(Math.min(n, size));
    float[] s = buffers.get();
    for (int start = 0; start < size; start += BLOCK) {
      int len = Math.min(BLOCK, size - start);
      float[] c0 = vectors.column(0);
      float q0 = query[0];
      for (int i = 0; i < len; i++) {
        s[i] = q0 * c0[start + i];
      }
      for (int d = 1; d < dim; d++) {
        float[] c = vectors.column(d);
        float q = query[d];
        for (int i = 0; i < len; i++) {
          s[i] += q * c[start + i];
        }
      }
      float threshold = top.threshold();
      for (int i = 0; i < len; i++) {
        // rows arrive in increasing order, so a score equal to the threshold never beats the kept row
        if (s[i] > threshold && (excluded == null || !excluded.get(start + i))) {
          top.offer(start + i, s[i]);
          threshold = top.threshold();
        }
      }
    }
    return top.drain();
  }

  @Override
  public String kind() {
    return "exact";
  }

  @Override
  public int size() {
    return vectors.size();
  }
}
