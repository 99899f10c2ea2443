package dev.tandem.serving;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which way a request was served, decided by what the bundle knows about the user. Its JSON value (and the label of
 * {@code tandem_recommendations_total}) is {@link #value()}.
 */
public enum RecommendationPath {
  /** A user the bundle knows: encoded from the attributes the bundle stores for them. */
  KNOWN("known"),
  /** An unknown user with attributes in the request: encoded from those (cold start). */
  COLD_FEATURES("cold_features"),
  /** An unknown user without attributes: the most popular items. */
  POPULARITY("popularity");

  private final String value;

  RecommendationPath(String value) {
    this.value = value;
  }

  /** {@code known}, {@code cold_features} or {@code popularity}. */
  @JsonValue
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return value;
  }
}
