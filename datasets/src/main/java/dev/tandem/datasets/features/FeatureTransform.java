package dev.tandem.datasets.features;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.history.HistoryFeature;
import dev.tandem.format.Persisted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The fitted feature encoding of a dataset: every feature's vocabulary, boundaries or statistics, learned on the train
 * split only. It is saved with the prepared dataset and copied into every checkpoint and serving bundle, and it is the
 * only code that turns raw attributes into model input, for training data and serving requests alike. That is what
 * rules out training/serving skew.
 */
public final class FeatureTransform {
  /**
   * Version of the JSON layout; bumped on incompatible changes. A transform with history features is written as
   * format 2 (an older Tandem could not compute them and would encode them as missing); one without, as format 1.
   */
  public static final int FORMAT = 2;

  private final int format;
  private final List<FittedFeature> features;
  private final HistorySection history;

  /**
   * How the point-in-time features of this transform are computed (see {@code dev.tandem.datasets.history}).
   *
   * @param availabilityDelaySeconds an event at t sees events with timestamp {@code < t - delay}
   * @param maxEvents                events kept per user or item for trailing windows
   * @param features                 the history features with their fitted priors, in transform order
   */
  public record HistorySection(long availabilityDelaySeconds, int maxEvents, List<HistoryFeature> features) {
    public HistorySection {
      features = features == null ? List.of() : List.copyOf(features);
    }
  }

  @JsonCreator
  public FeatureTransform(@JsonProperty("format") int format, @JsonProperty("features") List<FittedFeature> features,
      @JsonProperty("history") HistorySection history) {
    this.format = format;
    this.features = List.copyOf(features);
    this.history = history == null || history.features().isEmpty() ? null : history;
  }

  public FeatureTransform(List<FittedFeature> features) {
    this(1, features, null);
  }

  public FeatureTransform(List<FittedFeature> features, HistorySection history) {
    this(history == null || history.features().isEmpty() ? 1 : FORMAT, features, history);
  }

  /**
   * Whether a feature's value depends on the event's item: an item's history, or a user's affinity for the item. A
   * two-tower's user tower, which does not know the item, cannot use such a feature.
   */
  /**
   * The encoded value a scalar history feature of the user takes when the user has no visible earlier events (see
   * {@link dev.tandem.datasets.history.HistoryState#withoutHistory}): the standardised number, or for a bucketized
   * feature its bucket index. Null when {@code feature} is not a scalar history feature of the user.
   */
  public Double encodedWithoutUserHistory(String feature) {
    if (history == null) {
      return null;
    }
    for (dev.tandem.datasets.history.HistoryFeature h : history.features()) {
      if (h.name().equals(feature) && h.of() == Entity.USER && h.kind() != dev.tandem.datasets.FeatureKind.HISTORY_ITEMS) {
        float raw = dev.tandem.datasets.history.HistoryState.withoutHistory(h);
        FittedFeature f = feature(feature);
        if (f instanceof FittedFeature.Standardized st) {
          return (double) st.value(raw);
        }
        if (f instanceof FittedFeature.Bucketized b) {
          return (double) b.index(raw);
        }
        return null;
      }
    }
    return null;
  }

  public boolean dependsOnItem(String feature) {
    return history != null && history.features().stream().anyMatch(h -> h.name().equals(feature) && h.dependsOnItem());
  }

  /** How history features are computed; null when the transform has none. */
  @JsonProperty("history")
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public HistorySection history() {
    return history;
  }

  @JsonProperty("format")
  public int format() {
    return format;
  }

  @JsonProperty("features")
  public List<FittedFeature> features() {
    return features;
  }

  public List<FittedFeature> features(Entity entity) {
    return features.stream().filter(f -> f.entity() == entity).toList();
  }

  public FittedFeature feature(String name) {
    for (FittedFeature f : features) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no feature '" + name + "'");
  }

  /** The raw columns an entity's features read. */
  @JsonIgnore
  public List<String> sources(Entity entity) {
    List<String> out = new ArrayList<>();
    for (FittedFeature f : features(entity)) {
      if (!out.contains(f.source())) {
        out.add(f.source());
      }
    }
    return out;
  }

  /** Encodes many rows of one entity; {@code column} gives the raw values of a source column. */
  public EncodedTable encode(Entity entity, int rows, Function<String, RawColumn> column) {
    List<EncodedColumn> cols = new ArrayList<>();
    for (FittedFeature f : features(entity)) {
      RawColumn raw = column.apply(f.source());
      if (raw.size() != rows) {
        throw new IllegalArgumentException("source " + f.source() + " has " + raw.size() + " rows, expected " + rows);
      }
      cols.add(encodeFeature(f, raw));
    }
    return EncodedTable.of(rows, cols);
  }

  /** Encodes one feature's raw values (one per row). */
  public EncodedColumn encodeFeature(FittedFeature f, RawColumn raw) {
    return f instanceof FittedFeature.ItemSequence q ? encodeItems(q, raw) : encodeColumn(f, raw);
  }

  /** An item list as indices of the item feature it names; ids it does not know take its out-of-vocabulary index. */
  private EncodedColumn encodeItems(FittedFeature.ItemSequence q, RawColumn raw) {
    FittedFeature.Indexed items = (FittedFeature.Indexed) feature(q.itemFeature());
    int n = raw.size();
    int[] offsets = new int[n + 1];
    if (raw instanceof RawColumn.IdLists lists) {
      int[] byCode = new int[lists.dictionary().length];
      for (int c = 0; c < byCode.length; c++) {
        byCode[c] = items.index(lists.dictionary()[c]);
      }
      int[] values = new int[lists.codes().length];
      for (int k = 0; k < values.length; k++) {
        values[k] = byCode[lists.codes()[k]];
      }
      return new EncodedColumn.MultiIndex(q.name(), q.cardinality(), lists.offsets().clone(), values);
    }
    List<int[]> per = new ArrayList<>(n);
    int total = 0;
    for (int i = 0; i < n; i++) {
      String t = raw.text(i);
      String[] ids = t == null || t.isEmpty() ? new String[0] : t.split("\\|", -1);
      int k = Math.min(ids.length, q.length());
      int[] idx = new int[k];
      for (int j = 0; j < k; j++) {
        idx[j] = items.index(ids[j]);
      }
      per.add(idx);
      total += k;
      offsets[i + 1] = total;
    }
    int[] values = new int[total];
    for (int i = 0; i < n; i++) {
      System.arraycopy(per.get(i), 0, values, offsets[i], per.get(i).length);
    }
    return new EncodedColumn.MultiIndex(q.name(), q.cardinality(), offsets, values);
  }

  static EncodedColumn encodeColumn(FittedFeature f, RawColumn raw) {
    int n = raw.size();
    if (f instanceof FittedFeature.Categorical c) {
        int[] out = new int[n];
        if (raw instanceof RawColumn.Dict d) {
          int[] byCode = new int[d.dictionary().length];
          for (int k = 0; k < byCode.length; k++) {
            byCode[k] = c.index(d.dictionary()[k]);
          }
          for (int i = 0; i < n; i++) {
            int code = d.codes()[i];
            out[i] = code < 0 ? 0 : byCode[code];
          }
        } else {
          for (int i = 0; i < n; i++) {
            out[i] = c.index(raw.text(i));
          }
        }
      return new EncodedColumn.Index(c.name(), c.cardinality(), out);
    }
    if (f instanceof FittedFeature.MultiHot m) {
        int[] offsets = new int[n + 1];
        int[][] per = new int[n][];
        Map<String, int[]> memo = new java.util.HashMap<>();
        int total = 0;
        for (int i = 0; i < n; i++) {
          String t = raw.text(i);
          int[] idx = t == null ? new int[0] : memo.computeIfAbsent(t, m::indices);
          per[i] = idx;
          total += idx.length;
          offsets[i + 1] = total;
        }
        int[] values = new int[total];
        for (int i = 0; i < n; i++) {
          System.arraycopy(per[i], 0, values, offsets[i], per[i].length);
        }
      return new EncodedColumn.MultiIndex(m.name(), m.cardinality(), offsets, values);
    }
    if (f instanceof FittedFeature.Bucketized b) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = b.index(raw.number(i));
        }
      return new EncodedColumn.Index(b.name(), b.cardinality(), out);
    }
    FittedFeature.Standardized s = (FittedFeature.Standardized) f;
    {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = s.value(raw.number(i));
        }
      return new EncodedColumn.Real(s.name(), out);
    }
  }

  /**
   * Encodes one entity from its raw attributes (keyed by source column; absent = missing), e.g. a serving request.
   * Numeric attributes that do not parse are treated as missing.
   */
  public EncodedTable encodeOne(Entity entity, Map<String, String> attributes) {
    return encode(entity, 1, src -> {
      String v = attributes.get(src);
      String[] one = {v == null || v.isBlank() ? null : v.trim()};
      return new RawColumn() {
        @Override
        public int size() {
          return 1;
        }

        @Override
        public String text(int row) {
          return one[0];
        }

        @Override
        public double number(int row) {
          if (one[0] == null) {
            return Double.NaN;
          }
          try {
            return Double.parseDouble(one[0]);
          } catch (NumberFormatException e) {
            return Double.NaN;
          }
        }
      };
    });
  }

  /** Cardinalities of the indexed features (embedding table sizes), in feature order. */
  @JsonIgnore
  public Map<String, Integer> cardinalities() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (FittedFeature f : features) {
      out.put(f.name(), f.cardinality());
    }
    return out;
  }

  /** The transform as the JSON of {@code transform.json}. */
  public String toJson() {
    return new String(Persisted.write(this, format), StandardCharsets.UTF_8);
  }

  /**
   * Reads a {@code transform.json}.
   *
   * @param file names the file in errors
   * @throws dev.tandem.fs.CorruptDataException naming the file when it does not read as a transform, or was written in a
   *     newer format
   */
  public static FeatureTransform fromJson(String json, String file) {
    return Persisted.read(json.getBytes(StandardCharsets.UTF_8), FeatureTransform.class, FORMAT, file);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureTransform t && t.features.equals(features) && java.util.Objects.equals(t.history, history);
  }

  @Override
  public int hashCode() {
    return features.hashCode() * 31 + java.util.Objects.hashCode(history);
  }
}
