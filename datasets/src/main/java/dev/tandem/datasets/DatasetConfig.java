package dev.tandem.datasets;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.source.SourceConfig;
import dev.tandem.datasets.split.SplitConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code dataset} section of a job: where the raw events are, how they are labelled, featurised and split, and
 * how strictly bad rows are treated.
 *
 * @param source      the raw data ({@code format: events | movielens-100k | synthetic})
 * @param label       the label rule, e.g. {@code rating >= 4}
 * @param weight      optional numeric column used as the per-example weight (must be >= 0)
 * @param features    the model inputs
 * @param split       the temporal split (default 0.8 / 0.1 / 0.1 by time)
 * @param maxBadRows  malformed rows tolerated (skipped and counted) before preparation fails; default 0
 * @param rowsPerShard rows per shard file (default 1,000,000)
 * @param minShards   each split is written as at least this many shards so it can be divided among workers
 *                    (default 4)
 * @param threads     parser threads (default: available processors)
 * @param timestampRange the times events may plausibly have; others are bad rows (default 1990-01-01 to one day after
 *                    preparation)
 * @param availabilityDelay how long after it happens an event can be used (default {@code 0s}): a history feature at
 *                    time t sees only events with timestamp {@code < t - availability_delay}. Pipelines deliver events
 *                    late; the delay keeps training honest about what serving will have seen.
 * @param historyMaxEvents events kept per user or item for the trailing windows of history features (default 1,000,000):
 *                    memory grows with the events inside the windows; beyond the cap a window counts the newest only
 */
public record DatasetConfig(
    SourceConfig source,
    String label,
    String weight,
    List<FeatureSpec> features,
    SplitConfig split,
    Integer maxBadRows,
    Integer rowsPerShard,
    Integer minShards,
    Integer threads,
    TimestampRange timestampRange,
    String availabilityDelay,
    Integer historyMaxEvents) {

  public DatasetConfig {
    Check.required(source, "source");
    LabelRule.parse(label, "label");
    Check.required(features, "features");
    Check.that(!features.isEmpty(), "features", "at least one feature is required");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < features.size(); i++) {
      FeatureSpec f = features.get(i);
      if (f == null) {
        throw new ConfigException("features[" + i + "]", "is empty");
      }
      Check.that(names.add(f.name()), "features[" + i + "].name", "duplicate feature name '" + f.name() + "'");
    }
    features = List.copyOf(features);
    split = Check.orDefault(split, SplitConfig.DEFAULT);
    maxBadRows = Check.orDefault(maxBadRows, 0);
    Check.nonNegative(maxBadRows, "max_bad_rows");
    rowsPerShard = Check.orDefault(rowsPerShard, 1_000_000);
    Check.positive(rowsPerShard, "rows_per_shard");
    minShards = Check.orDefault(minShards, 4);
    Check.positive(minShards, "min_shards");
    threads = Check.orDefault(threads, Runtime.getRuntime().availableProcessors());
    Check.positive(threads, "threads");
    timestampRange = Check.orDefault(timestampRange, TimestampRange.DEFAULT);
    availabilityDelay = availabilityDelay == null || availabilityDelay.isBlank() ? "0s" : availabilityDelay.trim();
    Durations.seconds(availabilityDelay, "availability_delay");
    historyMaxEvents = Check.orDefault(historyMaxEvents, 1_000_000);
    Check.positive(historyMaxEvents, "history_max_events");
    checkHistory(features);
  }

  /** History features refer to other features and columns: check what can be checked without the data. */
  private static void checkHistory(List<FeatureSpec> features) {
    for (int i = 0; i < features.size(); i++) {
      FeatureSpec f = features.get(i);
      if (f.kind() == FeatureKind.HISTORY_ITEMS) {
        boolean itemIds = features.stream().anyMatch(g -> g.entity() == Entity.ITEM && g.source().equals("item_id") && g.isIndexed()
            && !g.isHistory() && g.kind() == FeatureKind.CATEGORICAL);
        Check.that(itemIds, "features[" + i + "].kind", "history_items lists item ids by the vocabulary of the item_id feature: "
            + "declare {name: item_id, entity: item, kind: categorical}");
      }
    }
  }

  /** {@link #availabilityDelay} in seconds. */
  public long availabilityDelaySeconds() {
    return Durations.seconds(availabilityDelay, "availability_delay");
  }

  public LabelRule labelRule() {
    return LabelRule.parse(label, "label");
  }

  public List<FeatureSpec> features(Entity e) {
    return features.stream().filter(f -> f.entity() == e).toList();
  }
}
