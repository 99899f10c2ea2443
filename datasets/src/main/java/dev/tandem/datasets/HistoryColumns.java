package dev.tandem.datasets;

import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.history.HistoryFeature;
import dev.tandem.datasets.history.HistoryState;
import dev.tandem.progress.Progress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The history phase: every point-in-time feature's raw value for every ordered event, as of that event's time. It walks
 * the events in time order through a {@link HistoryState} (the same code serving uses): before an event's features are
 * computed the state advances to its time, so it sees the events with timestamp {@code < t - availability_delay} and
 * never one at the same time or later; then the event is added. Validation and test events see the earlier events of
 * every split, never the reverse. Priors of smoothed features are fitted on the train split.
 *
 * @param features    the history features with their fitted priors, in the order of the dataset's features
 * @param scalars     raw values per event of every scalar history feature, by feature name
 * @param lists       item lists per event of every history_items feature, by feature name (ids are item ids)
 * @param truncations window events dropped because an entity had more than {@code history_max_events} in a window
 */
record HistoryColumns(List<HistoryFeature> features, Map<String, float[]> scalars, Map<String, RawColumn.IdLists> lists,
    long truncations) {

  static final HistoryColumns NONE = new HistoryColumns(List.of(), Map.of(), Map.of(), 0);

  /** The history phase; {@link #NONE} when the dataset declares no history feature. */
  static HistoryColumns of(DatasetConfig cfg, OrderedEvents events, Outcomes outcomes, SplitRanges splits, EntityAttributes attributes,
      Progress progress) {
    List<FeatureSpec> specs = cfg.features().stream().filter(FeatureSpec::isHistory).toList();
    if (specs.isEmpty()) {
      return NONE;
    }
    int n = events.size();
    int trainEnd = splits.trainEnd();
    double labelRate = mean(outcomes.label(), trainEnd);
    List<HistoryFeature> features = new ArrayList<>();
    Map<String, int[][]> itemValues = new HashMap<>();
    for (FeatureSpec f : specs) {
      double prior = switch (f.kind()) {
        case HISTORY_MEAN -> mean(source(outcomes, f), trainEnd);
        case HISTORY_RATE, HISTORY_SHARE -> labelRate;
        default -> 0;
      };
      features.add(HistoryFeature.of(f, prior));
      if (f.kind() == FeatureKind.HISTORY_SHARE) {
        itemValues.computeIfAbsent(f.source(), s -> HistoryFeatures.codes(attributes.items().get(s), f.separator()));
      }
    }
    HistoryState state = new HistoryState(features, cfg.availabilityDelaySeconds(), cfg.historyMaxEvents(), itemValues);
    List<String> meanSources = state.meanSources();
    float[][] sourceColumns = new float[meanSources.size()][];
    for (int s = 0; s < sourceColumns.length; s++) {
      sourceColumns[s] = outcomes.signals().get(meanSources.get(s));
    }
    Map<String, float[]> scalars = new LinkedHashMap<>();
    Map<String, int[]> listOffsets = new LinkedHashMap<>();
    Map<String, List<int[]>> listRows = new LinkedHashMap<>();
    float[][] out = new float[features.size()][];
    for (int f = 0; f < features.size(); f++) {
      if (features.get(f).kind() == FeatureKind.HISTORY_ITEMS) {
        listOffsets.put(features.get(f).name(), new int[n + 1]);
        listRows.put(features.get(f).name(), new ArrayList<>());
      } else {
        out[f] = new float[n];
        scalars.put(features.get(f).name(), out[f]);
      }
    }
    int[] user = events.user();
    int[] item = events.item();
    long[] ts = events.timestamp();
    float[] label = outcomes.label();
    int[] buffer = new int[1001];
    try (Progress.Task task = progress.start("history features", n, "events")) {
      for (int i = 0; i < n; i++) {
        long t = ts[i];
        if (i == 0 || t != ts[i - 1]) {
          state.advance(t);
        }
        for (int f = 0; f < out.length; f++) {
          HistoryFeature h = features.get(f);
          if (out[f] != null) {
            out[f][i] = state.value(f, user[i], item[i], t);
          } else {
            int k = state.items(f, user[i], t, buffer);
            int[] offsets = listOffsets.get(h.name());
            offsets[i + 1] = offsets[i] + k;
            int[] copy = new int[k];
            System.arraycopy(buffer, 0, copy, 0, k);
            listRows.get(h.name()).add(copy);
          }
        }
        float[] src = null;
        if (sourceColumns.length > 0) {
          src = new float[sourceColumns.length];
          for (int s = 0; s < src.length; s++) {
            src[s] = sourceColumns[s] == null ? Float.NaN : sourceColumns[s][i];
          }
        }
        state.add(user[i], item[i], t, label[i], src);
        if ((i & 0xFFFF) == 0xFFFF) {
          task.advance(0x10000);
        }
      }
      task.advance(n & 0xFFFF);
    }
    Map<String, RawColumn.IdLists> lists = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : listOffsets.entrySet()) {
      int[] offsets = e.getValue();
      int[] values = new int[offsets[n]];
      List<int[]> rows = listRows.get(e.getKey());
      for (int i = 0; i < n; i++) {
        System.arraycopy(rows.get(i), 0, values, offsets[i], rows.get(i).length);
      }
      lists.put(e.getKey(), new RawColumn.IdLists(offsets, values, events.itemIds()));
    }
    return new HistoryColumns(features, scalars, lists, state.truncations());
  }

  /** The raw values of history feature {@code f} for events {@code [from, to)}. */
  RawColumn column(FeatureSpec f, int from, int to) {
    if (f.kind() == FeatureKind.HISTORY_ITEMS) {
      return lists.get(f.name()).slice(from, to);
    }
    return RawColumn.numbers(java.util.Arrays.copyOfRange(scalars.get(f.name()), from, to));
  }

  private static float[] source(Outcomes outcomes, FeatureSpec f) {
    float[] v = outcomes.signals().get(f.source());
    if (v == null) {
      throw new dev.tandem.config.ConfigException("dataset.features", "history_mean '" + f.name() + "' averages '" + f.source()
          + "', which is not an outcome column of the log (the label's column, or one of " + dev.tandem.datasets.source.EventLogSource.OUTCOMES
          + " mapped in source.columns)");
    }
    return v;
  }

  /** Mean of the first {@code n} values, NaN ignored (0 if none). */
  private static double mean(float[] v, int n) {
    double sum = 0;
    long k = 0;
    for (int i = 0; i < n; i++) {
      if (!Float.isNaN(v[i])) {
        sum += v[i];
        k++;
      }
    }
    return k == 0 ? 0 : sum / k;
  }

}
