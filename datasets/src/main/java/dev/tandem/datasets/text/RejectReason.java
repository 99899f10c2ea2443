package dev.tandem.datasets.text;

import java.util.Locale;

/** Why a raw row was rejected; the keys appear in {@code summary.json} under {@code rejected_by_reason}. */
public enum RejectReason {
  WRONG_COLUMN_COUNT,
  MISSING_ID,
  BAD_TIMESTAMP,
  UNPARSABLE_NUMBER,
  MISSING_VALUE,
  NEGATIVE_WEIGHT,
  UNTERMINATED_QUOTE,
  DUPLICATE_KEY,
  /** A number that is infinite or NaN, or too large for the 32-bit float it is stored as. */
  NON_FINITE_NUMBER,
  /** Bytes that are not valid in the file's encoding (with {@code invalid_encoding: reject}, the default). */
  INVALID_ENCODING,
  /** An id holding a control character (NUL, escape sequences, ...). */
  INVALID_ID,
  /** A quoted field holding a line break: one bad row, at the line where it starts. */
  MULTILINE_FIELD;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return key();
  }
}
