package dev.tandem.trainer.embedding;

/**
 * What one table of a store holds and has done.
 *
 * @param name         the table
 * @param rows         rows held now
 * @param allocatedRows rows memory is allocated for (held rows plus free slots)
 * @param bytes        bytes the table's arrays take (rows, optimizer state, id map, recency and frequency, sketch)
 * @param idealBytesPerRow what a row needs at the least: {@code dim * 4} bytes of floats plus its optimizer state
 * @param admitted     ids given a row so far
 * @param evicted      rows evicted so far (capacity or age)
 * @param refused      training pulls of an id the table did not give a row (once per id and step): not seen often enough
 *                     yet, or the table was full of rows the same step uses
 * @param droppedGradients gradients pushed for rows the table does not hold
 */
public record TableStats(String name, long rows, long allocatedRows, long bytes, long idealBytesPerRow, long admitted, long evicted,
    long refused, long droppedGradients) {

  /** Bytes per held row, all arrays included (NaN when the table is empty). */
  public double bytesPerRow() {
    return rows == 0 ? Double.NaN : (double) bytes / rows;
  }
}
