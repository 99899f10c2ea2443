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
  DUPLICATE_KEY;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return key();
  }
}
