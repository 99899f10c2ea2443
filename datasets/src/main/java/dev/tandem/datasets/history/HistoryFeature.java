package dev.tandem.datasets.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.FeatureKind;
import dev.tandem.datasets.FeatureSpec;

/**
 * One point-in-time feature as {@link HistoryState} computes it: the feature's definition together with the prior its
 * smoothing pulls towards, which is fitted on the train split. Part of the fitted feature transform, so the code that
 * prepares training data and the code that serves requests compute the same raw value.
 *
 * @param name          the feature's name
 * @param kind          one of the history kinds
 * @param of            whose earlier events it summarises (user or item)
 * @param windowSeconds trailing window, or -1 for all earlier events
 * @param n             history_items: how many items
 * @param positivesOnly history_items, history_count: only positive events
 * @param smoothing     rates, means and shares: pseudo-events at the prior
 * @param source        history_mean: the outcome column averaged; history_share: the item attribute; else null
 * @param separator     history_share: separator of a multi-valued attribute
 * @param prior         rates and shares: the train split's positive rate; means: the train mean of {@code source}
 */
public record HistoryFeature(String name, FeatureKind kind, Entity of, long windowSeconds, int n, boolean positivesOnly,
    double smoothing, String source, String separator, double prior) {

  /** The raw column a history feature's encoding reads (derived per event; never a column of the log). */
  public static String column(String feature) {
    return "@" + feature;
  }

  /** The feature as declared, before its prior is fitted. */
  public static HistoryFeature of(FeatureSpec f, double prior) {
    if (!f.isHistory()) {
      throw new IllegalArgumentException(f.name() + " is not a history feature");
    }
    boolean withSource = f.kind() == FeatureKind.HISTORY_MEAN || f.kind() == FeatureKind.HISTORY_SHARE;
    return new HistoryFeature(f.name(), f.kind(), f.of(), f.windowSeconds(), f.n() == null ? 0 : f.n(),
        "positives".equals(f.events()), f.smoothing() == null ? 0 : f.smoothing(), withSource ? f.source() : null,
        f.kind() == FeatureKind.HISTORY_SHARE ? f.separator() : null, prior);
  }

  /** Whether the value depends on the event's item (so a user tower, which does not know the item, cannot use it). */
  @JsonIgnore
  public boolean dependsOnItem() {
    return of == Entity.ITEM || kind == FeatureKind.HISTORY_SHARE;
  }

  /** A copy with the fitted prior. */
  public HistoryFeature withPrior(double fitted) {
    return new HistoryFeature(name, kind, of, windowSeconds, n, positivesOnly, smoothing, source, separator, fitted);
  }
}
