package dev.tandem.serving.retrieval;

/**
 * Items found by retrieval, best first: catalogue rows and their inner products with the query.
 *
 * @param rows   item rows in the bundle's catalogue
 * @param scores inner products, descending (ties: lower row first)
 */
public record Candidates(int[] rows, float[] scores) {
  public int size() {
    return rows.length;
  }
}
