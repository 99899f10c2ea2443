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
    String separator) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  public FeatureSpec {
    Check.requiredText(name, "name");
    Check.that(NAME.matcher(name).matches(), "name", "'" + name + "' must start with a letter and contain only letters, digits and _");
    Check.required(entity, "entity");
    Check.required(kind, "kind");
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

  /** True if the encoded value is an index into an embedding table (categorical, bucketized, multi-hot). */
  public boolean isIndexed() {
    return kind != FeatureKind.NUMERIC || bucketize != null;
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
