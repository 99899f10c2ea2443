package dev.tandem.serving.retrieval;

/**
 * The item embedding table, stored column-wise: {@code column(d)[i]} is dimension d of item i. Scoring a query against
 * a block of items is then {@code dim} passes of {@code s[i] += q[d] * column(d)[i]}, a loop the JIT vectorises (a
 * per-item dot product is a floating-point reduction, which it does not).
 */
public final class ItemVectors {
  private final int size;
  private final float[][] columns;

  public ItemVectors(float[][] columns) {
    if (columns.length == 0) {
      throw new IllegalArgumentException("item vectors need at least one dimension");
    }
    this.size = columns[0].length;
    for (float[] c : columns) {
      if (c.length != size) {
        throw new IllegalArgumentException("item vector columns differ in length");
      }
    }
    this.columns = columns;
  }

  /** From row-major vectors: {@code rows[i * dim + d]}. */
  public static ItemVectors fromRows(float[] rows, int dim) {
    if (rows.length % dim != 0) {
      throw new IllegalArgumentException(rows.length + " values are not a multiple of dimension " + dim);
    }
    int n = rows.length / dim;
    float[][] cols = new float[dim][n];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < dim; d++) {
        cols[d][i] = rows[i * dim + d];
      }
    }
    return new ItemVectors(cols);
  }

  public int size() {
    return size;
  }

  public int dim() {
    return columns.length;
  }

  /** Dimension {@code d} of every item (shared, not a copy). */
  public float[] column(int d) {
    return columns[d];
  }

  /** One item's vector (a copy). */
  public float[] row(int item) {
    float[] v = new float[columns.length];
    for (int d = 0; d < v.length; d++) {
      v[d] = columns[d][item];
    }
    return v;
  }

  /** Inner product of one item with a query. */
  public float dot(int item, float[] query) {
    float s = 0;
    for (int d = 0; d < columns.length; d++) {
      s += query[d] * columns[d][item];
    }
    return s;
  }

  public long bytes() {
    return 4L * size * columns.length;
  }
}
