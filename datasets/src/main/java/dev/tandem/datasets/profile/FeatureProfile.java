package dev.tandem.datasets.profile;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * Statistics of one feature in one split, weighted by events (an entity attribute counts once per event of the
 * entity). Together they form {@code profile.json}, the reference for data-drift checks: numeric histograms of every
 * split share the train split's edges, and categorical top values are counted against the train vocabulary.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FeatureProfile.Categorical.class, name = "categorical"),
    @JsonSubTypes.Type(value = FeatureProfile.Numeric.class, name = "numeric"),
    @JsonSubTypes.Type(value = FeatureProfile.MultiHot.class, name = "multi_hot")
})
public sealed interface FeatureProfile {
  /** Rows profiled (events, or entities for user and item features). */
  long count();

  /** Of those, rows without a value. */
  long missing();

  /** A value and how many events carry it. */
  record ValueCount(String value, long count) {}

  /**
   * @param oov     events whose value is outside the train vocabulary (mapped to an OOV bucket)
   * @param top     the most frequent values
   * @param other   events with a value not among {@code top}
   */
  record Categorical(long count, long missing, long distinct, long oov, List<ValueCount> top, long other) implements FeatureProfile {}

  /** @param histogram counts between {@code edges} (n edges give n+1 bins: below the first, ..., at or above the last) */
  record Numeric(long count, long missing, double mean, double std, double min, double max, Map<String, Double> quantiles,
      List<Double> edges, List<Long> histogram) implements FeatureProfile {}

  record MultiHot(long count, long missing, double meanLength, long distinctTokens, long oovTokens, List<ValueCount> top,
      long other) implements FeatureProfile {}
}
