package dev.tandem.datasets.features;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tandem.datasets.Entity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A feature with its parameters fitted on the train split. Encoding is a pure function of these parameters, which is
 * what lets the very same object encode training data and serving requests.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FittedFeature.Categorical.class, name = "categorical"),
    @JsonSubTypes.Type(value = FittedFeature.Bucketized.class, name = "bucketized"),
    @JsonSubTypes.Type(value = FittedFeature.Standardized.class, name = "standardized"),
    @JsonSubTypes.Type(value = FittedFeature.MultiHot.class, name = "multi_hot"),
    @JsonSubTypes.Type(value = FittedFeature.ItemSequence.class, name = "item_sequence")
})
public sealed interface FittedFeature permits FittedFeature.Indexed, FittedFeature.Bucketized, FittedFeature.Standardized,
    FittedFeature.ItemSequence {
  String name();

  Entity entity();

  /** The raw column the value comes from. */
  String source();

  /** Number of distinct indices (embedding rows) for indexed features; 0 for real-valued ones. */
  @JsonIgnore
  int cardinality();

  /**
   * Index space shared by categorical and multi-hot features: 0 is missing, then the OOV (or hash) buckets, then the
   * vocabulary in order of decreasing train frequency.
   */
  abstract sealed class Indexed implements FittedFeature permits Categorical, MultiHot {
    private final String name;
    private final Entity entity;
    private final String source;
    private final List<String> vocabulary;
    private final int oovBuckets;
    private final Integer hashBuckets;
    private final Map<String, Integer> lookup;

    Indexed(String name, Entity entity, String source, List<String> vocabulary, int oovBuckets, Integer hashBuckets) {
      this.name = name;
      this.entity = entity;
      this.source = source;
      this.vocabulary = vocabulary == null ? List.of() : List.copyOf(vocabulary);
      this.oovBuckets = oovBuckets;
      this.hashBuckets = hashBuckets;
      Map<String, Integer> m = new HashMap<>(this.vocabulary.size() * 2);
      for (int i = 0; i < this.vocabulary.size(); i++) {
        m.put(this.vocabulary.get(i), 1 + oovBuckets + i);
      }
      this.lookup = m;
    }

    @Override
    @JsonProperty("name")
    public String name() {
      return name;
    }

    @Override
    @JsonProperty("entity")
    public Entity entity() {
      return entity;
    }

    @Override
    @JsonProperty("source")
    public String source() {
      return source;
    }

    @JsonProperty("vocabulary")
    public List<String> vocabulary() {
      return vocabulary;
    }

    @JsonProperty("oov_buckets")
    public int oovBuckets() {
      return oovBuckets;
    }

    @JsonProperty("hash_buckets")
    public Integer hashBuckets() {
      return hashBuckets;
    }

    @Override
    public int cardinality() {
      return hashBuckets != null ? 1 + hashBuckets : 1 + oovBuckets + vocabulary.size();
    }

    /** The index of one (trimmed) value. */
    public int index(String value) {
      if (value == null || value.isEmpty()) {
        return 0;
      }
      if (hashBuckets != null) {
        return 1 + bucket(value, hashBuckets);
      }
      Integer i = lookup.get(value);
      return i != null ? i : 1 + bucket(value, oovBuckets);
    }

    /** True if the value has its own index (it is in the vocabulary, or the feature is hashed). */
    public boolean known(String value) {
      return hashBuckets != null || lookup.containsKey(value);
    }

    /** A stable bucket: String.hashCode is specified by the JLS, and murmur3's finaliser spreads it. */
    static int bucket(String value, int buckets) {
      int h = value.hashCode();
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return Math.floorMod(h, buckets);
    }

    @Override
    public boolean equals(Object o) {
      return o != null && o.getClass() == getClass() && ((Indexed) o).name.equals(name) && ((Indexed) o).entity == entity
          && ((Indexed) o).source.equals(source) && ((Indexed) o).vocabulary.equals(vocabulary)
          && ((Indexed) o).oovBuckets == oovBuckets && java.util.Objects.equals(((Indexed) o).hashBuckets, hashBuckets);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(name, entity, source, vocabulary, oovBuckets, hashBuckets);
    }
  }

  /** One value per row from a vocabulary (or hashed). */
  final class Categorical extends Indexed {
    @JsonCreator
    public Categorical(@JsonProperty("name") String name, @JsonProperty("entity") Entity entity,
        @JsonProperty("source") String source, @JsonProperty("vocabulary") List<String> vocabulary,
        @JsonProperty("oov_buckets") int oovBuckets, @JsonProperty("hash_buckets") Integer hashBuckets) {
      super(name, entity, source, vocabulary, oovBuckets, hashBuckets);
    }

    @Override
    public String toString() {
      return "Categorical[" + name() + ", cardinality=" + cardinality() + "]";
    }
  }

  /** A set of values per row (e.g. genres), each from a vocabulary (or hashed). */
  final class MultiHot extends Indexed {
    private final String separator;
    private final java.util.regex.Pattern split;

    @JsonCreator
    public MultiHot(@JsonProperty("name") String name, @JsonProperty("entity") Entity entity,
        @JsonProperty("source") String source, @JsonProperty("separator") String separator,
        @JsonProperty("vocabulary") List<String> vocabulary, @JsonProperty("oov_buckets") int oovBuckets,
        @JsonProperty("hash_buckets") Integer hashBuckets) {
      super(name, entity, source, vocabulary, oovBuckets, hashBuckets);
      this.separator = separator;
      this.split = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(separator));
    }

    @JsonProperty("separator")
    public String separator() {
      return separator;
    }

    /** The trimmed, non-empty tokens of a raw value. */
    public List<String> tokens(String raw) {
      if (raw == null || raw.isEmpty()) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (String p : split.split(raw, -1)) {
        String t = p.trim();
        if (!t.isEmpty()) {
          out.add(t);
        }
      }
      return out;
    }

    /** Indices of the values in {@code raw}, deduplicated, ascending; empty when missing. */
    public int[] indices(String raw) {
      List<String> toks = tokens(raw);
      int[] out = new int[toks.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = index(toks.get(i));
      }
      return java.util.Arrays.stream(out).sorted().distinct().toArray();
    }

    @Override
    public boolean equals(Object o) {
      return super.equals(o) && ((MultiHot) o).separator.equals(separator);
    }

    @Override
    public int hashCode() {
      return super.hashCode() * 31 + separator.hashCode();
    }

    @Override
    public String toString() {
      return "MultiHot[" + name() + ", cardinality=" + cardinality() + "]";
    }
  }

  /** A number bucketized by boundaries: index 0 missing, 1 below the first boundary, ..., n+1 at or above the last. */
  record Bucketized(String name, Entity entity, String source, double[] boundaries, boolean log) implements FittedFeature {
    @Override
    public int cardinality() {
      return boundaries.length + 2;
    }

    public int index(double raw) {
      if (Double.isNaN(raw)) {
        return 0;
      }
      double v = log ? Math.log1p(Math.max(raw, 0)) : raw;
      int lo = 0;
      int hi = boundaries.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (boundaries[mid] <= v) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return 1 + lo;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bucketized b && b.name.equals(name) && b.entity == entity && b.source.equals(source)
          && java.util.Arrays.equals(b.boundaries, boundaries) && b.log == log;
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(name, entity, source, java.util.Arrays.hashCode(boundaries), log);
    }

    @Override
    public String toString() {
      return "Bucketized[" + name + ", boundaries=" + java.util.Arrays.toString(boundaries) + ", log=" + log + "]";
    }
  }

  /** A number standardised with the train mean and standard deviation; missing values encode as 0 (the mean). */
  record Standardized(String name, Entity entity, String source, double mean, double std, boolean log) implements FittedFeature {
    @Override
    public int cardinality() {
      return 0;
    }

    public float value(double raw) {
      if (Double.isNaN(raw)) {
        return 0f;
      }
      double v = log ? Math.log1p(Math.max(raw, 0)) : raw;
      return (float) ((v - mean) / (std > 0 ? std : 1.0));
    }
  }

  /**
   * The item ids of a user's earlier events (history_items), most recent first, at most {@code length}: indices into
   * the index space of the item feature {@code itemFeature} (item_id), so a model may share that feature's embedding
   * rows. Per event; an item unknown to the vocabulary gets its out-of-vocabulary index, and no history encodes as an
   * empty list.
   *
   * @param itemRows the item feature's cardinality (the embedding rows the indices point into)
   */
  record ItemSequence(String name, Entity entity, String source, String itemFeature, int length, int itemRows)
      implements FittedFeature {
    @Override
    public int cardinality() {
      return itemRows;
    }
  }
}
