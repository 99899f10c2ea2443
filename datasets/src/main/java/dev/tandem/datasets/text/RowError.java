package dev.tandem.datasets.text;

/** One malformed row: where it is, why it was rejected, and what it looked like. */
public record RowError(String file, long line, RejectReason reason, String detail, String text) {
  @Override
  public String toString() {
    return file + ":" + line + ": " + reason.key() + ": " + detail + (text == null ? "" : " [" + text + "]");
  }
}
