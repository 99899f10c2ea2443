package dev.tandem.datasets;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.history.HistoryFeature;
import dev.tandem.datasets.history.HistoryState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The history features of a fitted transform, for queries outside a prepared dataset's own events: a retrieval
 * evaluation as of a split's start, a served request as of now. Events are {@linkplain #add added} as they happen (the
 * dataset's, then live ones), the state {@linkplain #advance advances} to the query time, and {@link #encode} returns
 * the encoded history columns exactly as preparation encoded them for the dataset's events: the same
 * {@link HistoryState}, the same priors, the same transform. That is what keeps training and serving from disagreeing.
 *
 * <p>Users and items are rows of the dataset's entity tables; rows past them are users and items the dataset has not
 * seen (a server assigns them). An item row of -1 means "no candidate" (a user tower's query): features that depend on
 * the item are then missing. Not thread-safe.
 */
public final class HistoryFeatures {
  private final FeatureTransform transform;
  private final HistoryState state;
  private final List<FittedFeature> fitted;
  private final String[] itemIds;
  private final List<String> sources;

  private HistoryFeatures(FeatureTransform transform, HistoryState state, String[] itemIds) {
    this.transform = transform;
    this.state = state;
    this.itemIds = itemIds;
    this.fitted = new ArrayList<>();
    for (HistoryFeature h : state.features()) {
      fitted.add(transform.feature(h.name()));
    }
    this.sources = state.meanSources();
  }

  /**
   * An empty history for the transform's history features.
   *
   * @param items the item table (ids by row, and the raw attributes history_share features compare)
   * @return null when the transform has no history features
   */
  public static HistoryFeatures of(FeatureTransform transform, EntityTable items) {
    FeatureTransform.HistorySection h = transform.history();
    if (h == null) {
      return null;
    }
    Map<String, int[][]> itemValues = new HashMap<>();
    for (HistoryFeature f : h.features()) {
      if (f.kind() == FeatureKind.HISTORY_SHARE) {
        String[] raw = items.raw().get(f.source());
        if (raw == null) {
          throw new IllegalArgumentException("the item table has no attribute '" + f.source() + "' for history_share feature " + f.name());
        }
        itemValues.computeIfAbsent(f.source(), s -> codes(raw, f.separator()));
      }
    }
    return new HistoryFeatures(transform, new HistoryState(h.features(), h.availabilityDelaySeconds(), h.maxEvents(), itemValues),
        items.ids());
  }

  /** The outcome columns {@link #add} takes values of (history_mean sources), in order. */
  public List<String> sources() {
    return sources;
  }

  /** The names of the history features, in transform order. */
  public List<String> names() {
    return state.features().stream().map(HistoryFeature::name).toList();
  }

  /** The time the history was last advanced to. */
  public long asOf() {
    return state.advancedTo();
  }

  /**
   * Records an event (visible once the history advances past its time plus the availability delay).
   *
   * @param sourceValues the values of {@link #sources()} (NaN when missing); may be null without sources
   */
  public void add(int user, int item, long ts, float label, float[] sourceValues) {
    state.add(user, item, ts, label, sourceValues);
  }

  /** Records every event of a batch of prepared events (in their order). */
  public void addAll(EventBatch events) {
    float[][] columns = new float[sources.size()][];
    for (int s = 0; s < columns.length; s++) {
      columns[s] = events.signals().get(sources.get(s));
    }
    for (int i = 0; i < events.size(); i++) {
      float[] src = null;
      if (columns.length > 0) {
        src = new float[columns.length];
        for (int s = 0; s < src.length; s++) {
          src[s] = columns[s] == null ? Float.NaN : columns[s][i];
        }
      }
      state.add(events.user()[i], events.item()[i], events.timestamp()[i], events.label()[i], src);
    }
  }

  /**
   * Advances to time {@code t}: the events with timestamp {@code < t - availability_delay} become visible.
   *
   * @throws IllegalArgumentException if {@code t} is before the time the history is at
   */
  public void advance(long t) {
    state.advance(t);
  }

  /**
   * The encoded history columns of queries at the current time: one row per (user, item) pair; an item of -1 is a
   * query without a candidate.
   */
  public EncodedTable encode(int[] users, int[] items, long t) {
    int n = users.length;
    List<EncodedColumn> cols = new ArrayList<>();
    int[] buffer = new int[1001];
    for (int f = 0; f < fitted.size(); f++) {
      HistoryFeature h = state.features().get(f);
      FittedFeature ff = fitted.get(f);
      RawColumn raw;
      if (h.kind() == FeatureKind.HISTORY_ITEMS) {
        int[] offsets = new int[n + 1];
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int k = state.items(f, users[i], t, buffer);
          for (int j = 0; j < k; j++) {
            codes.add(buffer[j]);
          }
          offsets[i + 1] = codes.size();
        }
        raw = new RawColumn.IdLists(offsets, codes.stream().mapToInt(Integer::intValue).toArray(), itemIds);
      } else {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = items[i] < 0 && h.dependsOnItem() ? Float.NaN : state.value(f, users[i], items[i], t);
        }
        raw = RawColumn.numbers(v);
      }
      cols.add(transform.encodeFeature(ff, raw));
    }
    return EncodedTable.of(n, cols);
  }

  /** Per item row, dense codes of the values of a (multi-valued) attribute. */
  static int[][] codes(String[] values, String separator) {
    Pattern split = Pattern.compile(Pattern.quote(separator));
    Map<String, Integer> dict = new HashMap<>();
    int[][] out = new int[values == null ? 0 : values.length][];
    for (int r = 0; r < out.length; r++) {
      String v = values[r];
      if (v == null || v.isBlank()) {
        out[r] = new int[0];
        continue;
      }
      out[r] = split.splitAsStream(v).map(String::trim).filter(x -> !x.isEmpty()).distinct()
          .mapToInt(x -> dict.computeIfAbsent(x, k -> dict.size())).toArray();
    }
    return out;
  }
}
