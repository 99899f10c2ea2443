package dev.tandem.datasets;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One model input as the user declares it: which entity it describes, which raw column it comes from and how it is
 * encoded. The encoding's parameters (vocabularies, boundaries, means) are fitted on the train split only; see
 * {@link dev.tandem.datasets.features.FeatureTransform}.
 *
 * @param name        unique name, used by models and serving requests
 * @param entity      user, item or context (per event)
 * @param source      the raw column; for user/item features it is looked up in the side table first, then in the
 *                    event log (where the entity's earliest event gives the value). {@code user_id} and
 *                    {@code item_id} are the ids themselves. Defaults to {@code name}.
 * @param kind        categorical, numeric or multi_hot
 * @param vocab       vocabulary options (categorical, multi_hot)
 * @param hashBuckets hash values into this many buckets instead of learning a vocabulary
 * @param bucketize   numeric only: bucket boundaries or a number of quantile buckets
 * @param standardize numeric only: (x - mean) / std; the default for numeric features without {@code bucketize}
 * @param log         numeric only: apply log1p before bucketizing or standardising (for skewed, non-negative values)
 * @param separator   multi_hot only: separator of values inside the column (default "|")
 * @param of          history kinds only: whose earlier events the feature summarises, {@code user} or {@code item}
 * @param window      history counts, rates and means: {@code all} (default) or a trailing window such as {@code 30d},
 *                    {@code 12h}, {@code 90m}, {@code 3600s}, measured back from the event's time
 * @param n           history_items only: how many of the most recent items (default 20)
 * @param events      history_items and history_count: {@code positives} or {@code all} earlier events (defaults:
 *                    positives for items, all for counts)
 * @param smoothing   history rates, means and shares: pseudo-events at the train prior, {@code (sum + s * prior) /
 *                    (count + s)} (default 10), so an entity with few events gets a value near the prior
 *
 * <p>History kinds ({@code history_items}, {@code history_count}, {@code history_rate}, {@code history_mean},
 * {@code history_share}, {@code time_since}) are computed for every event from the events strictly before it (see
 * {@code dev.tandem.datasets.history}); they are per-event features (entity {@code context}) and name whose history
 * they summarise with {@code of}.
 */
public record FeatureSpec(
    String name,
    Entity entity,
    String source,
    FeatureKind kind,
    VocabSpec vocab,
    Integer hashBuckets,
    BucketSpec bucketize,
    Boolean standardize,
    Boolean log,
    String separator,
    Entity of,
    String window,
    Integer n,
    String events,
    Double smoothing) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  public FeatureSpec {
    Check.requiredText(name, "name");
    Check.that(NAME.matcher(name).matches(), "name", "'" + name + "' must start with a letter and contain only letters, digits and _");
    Check.required(kind, "kind");
    if (kind.isHistory()) {
      entity = entity == null ? Entity.CONTEXT : entity;
      Check.that(entity == Entity.CONTEXT, "entity", "a " + kind + " feature is computed per event (entity context); say whose "
          + "history it summarises with 'of: " + entity + "'");
      Check.required(of, "of");
      Check.that(of != Entity.CONTEXT, "of", "must be user or item");
      boolean needsSource = kind == FeatureKind.HISTORY_MEAN || kind == FeatureKind.HISTORY_SHARE;
      if (needsSource) {
        Check.that(source != null && !source.isBlank(), "source", "a " + kind + " feature needs the column it summarises"
            + (kind == FeatureKind.HISTORY_SHARE ? " (an item attribute, e.g. genres)" : " (a numeric column of the log, e.g. rating)"));
      } else {
        Check.that(source == null || source.isBlank(), "source", "a " + kind + " feature reads no column");
        source = name;
      }
      Check.that(vocab == null, "vocab", "history features have no vocabulary (history_items uses item_id's)");
      Check.that(hashBuckets == null, "hash_buckets", "history features cannot be hashed");
      Check.that(kind == FeatureKind.HISTORY_SHARE || separator == null, "separator", "only history_share (of a multi-valued "
          + "attribute) takes a separator");
      if (kind == FeatureKind.HISTORY_SHARE) {
        separator = separator == null ? "|" : separator;
        Check.that(of == Entity.USER, "of", "history_share is a user's affinity for the event's item: of: user");
      }
      if (kind == FeatureKind.HISTORY_ITEMS) {
        Check.that(of == Entity.USER, "of", "history_items lists the items of a user's earlier events: of: user");
        n = Check.orDefault(n, 20);
        Check.that(n >= 1 && n <= 1000, "n", "must be in [1, 1000], was " + n);
        Check.that(bucketize == null && standardize == null && log == null, "bucketize", "history_items is a list of item ids");
      } else {
        Check.that(n == null, "n", "only history_items takes n");
        boolean std = standardize != null && standardize;
        Check.that(!(std && bucketize != null), "standardize", "choose bucketize or standardize, not both");
        if (bucketize == null) {
          standardize = true;
        }
        // counts and waiting times are heavy-tailed: log1p unless told otherwise
        log = log != null ? log : kind == FeatureKind.HISTORY_COUNT || kind == FeatureKind.TIME_SINCE;
      }
      if (kind == FeatureKind.HISTORY_ITEMS || kind == FeatureKind.HISTORY_COUNT) {
        events = events == null ? (kind == FeatureKind.HISTORY_ITEMS ? "positives" : "all") : events;
        Check.oneOf(events, java.util.List.of("positives", "all"), "events");
      } else {
        Check.that(events == null, "events", "only history_items and history_count choose their events");
      }
      boolean windowed = kind == FeatureKind.HISTORY_COUNT || kind == FeatureKind.HISTORY_RATE || kind == FeatureKind.HISTORY_MEAN;
      if (windowed) {
        window = window == null || window.isBlank() ? "all" : window.trim();
        if (!window.equals("all")) {
          Durations.seconds(window, "window");
        }
      } else {
        Check.that(window == null, "window", "only history_count, history_rate and history_mean have a window");
      }
      boolean smoothed = kind == FeatureKind.HISTORY_RATE || kind == FeatureKind.HISTORY_MEAN || kind == FeatureKind.HISTORY_SHARE;
      if (smoothed) {
        smoothing = Check.orDefault(smoothing, 10.0);
        Check.that(smoothing >= 0 && Double.isFinite(smoothing), "smoothing", "must be a finite number >= 0, was " + smoothing);
      } else {
        Check.that(smoothing == null, "smoothing", "only history_rate, history_mean and history_share are smoothed");
      }
    } else {
      Check.required(entity, "entity");
      Check.that(of == null && window == null && n == null && events == null && smoothing == null, "of",
          "of, window, n, events and smoothing belong to history features (kind: history_...)");
      source = source == null || source.isBlank() ? name : source;
      switch (kind) {
        case CATEGORICAL, MULTI_HOT -> {
          Check.that(bucketize == null, "bucketize", "only numeric features can be bucketized");
          Check.that(standardize == null || !standardize, "standardize", "only numeric features can be standardised");
          Check.that(log == null || !log, "log", "only numeric features take log");
          Check.that(vocab == null || hashBuckets == null, "hash_buckets", "use either vocab or hash_buckets, not both");
          if (hashBuckets != null) {
            Check.positive(hashBuckets, "hash_buckets");
          } else if (vocab == null) {
            vocab = VocabSpec.DEFAULT;
          }
          if (kind == FeatureKind.MULTI_HOT) {
            separator = separator == null ? "|" : separator;
            Check.that(!separator.isEmpty(), "separator", "must not be empty");
          } else {
            Check.that(separator == null, "separator", "only multi_hot features have a separator");
          }
        }
        case NUMERIC -> {
          Check.that(vocab == null, "vocab", "numeric features have no vocabulary (use bucketize for buckets)");
          Check.that(hashBuckets == null, "hash_buckets", "numeric features cannot be hashed");
          Check.that(separator == null, "separator", "only multi_hot features have a separator");
          boolean std = standardize != null && standardize;
          Check.that(!(std && bucketize != null), "standardize", "choose bucketize or standardize, not both");
          if (bucketize == null) {
            standardize = true;
          }
          log = log != null && log;
        }
        default -> throw new ConfigException("kind", "unsupported kind " + kind);
      }
    }
  }

  /** True if the encoded value is an index into an embedding table (categorical, bucketized, multi-hot, item lists). */
  public boolean isIndexed() {
    return kind == FeatureKind.CATEGORICAL || kind == FeatureKind.MULTI_HOT || kind == FeatureKind.HISTORY_ITEMS || bucketize != null;
  }

  /** Whether the feature is computed per event from strictly earlier events. */
  public boolean isHistory() {
    return kind.isHistory();
  }

  /** Whether the value is a number (encoded by standardising or bucketizing). */
  public boolean isNumeric() {
    return kind == FeatureKind.NUMERIC || (kind.isHistory() && kind != FeatureKind.HISTORY_ITEMS);
  }

  /** A history feature's trailing window in seconds, or -1 for all of the entity's history. */
  public long windowSeconds() {
    return window == null || window.equals("all") ? -1 : Durations.seconds(window, "window");
  }

  /** Vocabulary options: values seen fewer than {@code minCount} times in train go to the out-of-vocabulary buckets. */
  public record VocabSpec(Integer minCount, Integer oovBuckets, Integer maxSize) {
    public static final VocabSpec DEFAULT = new VocabSpec(1, 1, null);

    public VocabSpec {
      minCount = Check.orDefault(minCount, 1);
      oovBuckets = Check.orDefault(oovBuckets, 1);
      Check.positive(minCount, "min_count");
      Check.positive(oovBuckets, "oov_buckets");
      if (maxSize != null) {
        Check.positive(maxSize, "max_size");
      }
    }
  }

  /** Bucket boundaries, given explicitly or as a number of equal-frequency buckets fitted on train. */
  public record BucketSpec(List<Double> boundaries, Integer quantiles) {
    public BucketSpec {
      Check.that((boundaries == null) != (quantiles == null), "boundaries", "give either boundaries or quantiles");
      if (boundaries != null) {
        Check.that(!boundaries.isEmpty(), "boundaries", "must not be empty");
        for (int i = 1; i < boundaries.size(); i++) {
          Check.that(boundaries.get(i) > boundaries.get(i - 1), "boundaries", "must be strictly increasing, found "
              + boundaries.get(i - 1) + " before " + boundaries.get(i));
        }
        boundaries = List.copyOf(boundaries);
      } else {
        Check.that(quantiles >= 2, "quantiles", "must be >= 2, was " + quantiles);
      }
    }
  }
}
