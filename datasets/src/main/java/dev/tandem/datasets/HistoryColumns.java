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
    Map<String, float[]> scalars = new LinkedHashMap<>();
    float[][] out = new float[features.size()][];
    for (int f = 0; f < out.length; f++) {
      if (features.get(f).kind() != FeatureKind.HISTORY_ITEMS) {
        out[f] = new float[n];
        scalars.put(features.get(f).name(), out[f]);
      }
    }
    // Independent parts run in parallel: a user's features need only that user's events, an item's only that item's.
    // So scalar features are split by side and then by entity row modulo the threads; item lists (cheap, written in
    // order) are one part of their own.
    int threads = Math.max(1, cfg.threads());
    List<Part> parts = new ArrayList<>();
    List<Integer> lists = new ArrayList<>();
    for (Entity side : new Entity[] {Entity.USER, Entity.ITEM}) {
      List<Integer> mine = new ArrayList<>();
      for (int f = 0; f < features.size(); f++) {
        if (features.get(f).of() == side && features.get(f).kind() != FeatureKind.HISTORY_ITEMS) {
          mine.add(f);
        }
      }
      for (int p = 0; !mine.isEmpty() && p < threads; p++) {
        parts.add(new Part(mine, side, p, threads, null));
      }
    }
    for (int f = 0; f < features.size(); f++) {
      if (features.get(f).kind() == FeatureKind.HISTORY_ITEMS) {
        lists.add(f);
      }
    }
    ItemLists itemLists = lists.isEmpty() ? null : new ItemLists(lists, n);
    if (itemLists != null) {
      parts.add(new Part(lists, Entity.USER, 0, 1, itemLists));
    }
    long[] truncations = new long[parts.size()];
    Inputs in = new Inputs(events.user(), events.item(), events.timestamp(), outcomes.label(), sourceColumns(outcomes, features));
    int groups = (int) parts.stream().map(pt -> pt.side() + (pt.lists() == null ? "" : "lists")).distinct().count();
    try (Progress.Task task = progress.start("history features", (long) n * groups, "events")) {
      java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
      try {
        pool.submit(() -> java.util.stream.IntStream.range(0, parts.size()).parallel().forEach(k -> {
          Part part = parts.get(k);
          truncations[k] = part.run(features, cfg, itemValues, in, out, task);
        })).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while computing history features", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } finally {
        pool.shutdown();
      }
    }
    Map<String, RawColumn.IdLists> listColumns = new LinkedHashMap<>();
    if (itemLists != null) {
      for (int j = 0; j < lists.size(); j++) {
        int f = lists.get(j);
        listColumns.put(features.get(f).name(), new RawColumn.IdLists(itemLists.offsets[j],
            java.util.Arrays.copyOf(itemLists.values[j], itemLists.offsets[j][n]), events.itemIds()));
      }
    }
    return new HistoryColumns(features, scalars, listColumns, java.util.Arrays.stream(truncations).sum());
  }

  /** What every part reads: the ordered events, their labels and the outcome columns history_mean averages. */
  private record Inputs(int[] user, int[] item, long[] ts, float[] label, Map<String, float[]> sources) {}

  private static Map<String, float[]> sourceColumns(Outcomes outcomes, List<HistoryFeature> features) {
    Map<String, float[]> out = new HashMap<>();
    for (HistoryFeature h : features) {
      if (h.kind() == FeatureKind.HISTORY_MEAN) {
        out.put(h.source(), outcomes.signals().get(h.source()));
      }
    }
    return out;
  }

  /** The item lists of history_items features, in CSR form, filled in event order by one part. */
  private static final class ItemLists {
    final int[][] offsets;
    final int[][] values;

    ItemLists(List<Integer> features, int n) {
      offsets = new int[features.size()][n + 1];
      values = new int[features.size()][Math.max(16, Math.min(n, 1 << 20))];
    }
  }

  /**
   * Some features of one side, for the entities of that side whose row is {@code part} modulo {@code parts}: a
   * {@link HistoryState} of their own, fed only their events, in time order.
   */
  private record Part(List<Integer> features, Entity side, int part, int parts, ItemLists lists) {
    long run(List<HistoryFeature> all, DatasetConfig cfg, Map<String, int[][]> itemValues, Inputs in, float[][] out, Progress.Task task) {
      List<HistoryFeature> mine = features.stream().map(all::get).toList();
      HistoryState state = new HistoryState(mine, cfg.availabilityDelaySeconds(), cfg.historyMaxEvents(), itemValues);
      List<String> sourceNames = state.meanSources();
      float[][] sources = new float[sourceNames.size()][];
      for (int s = 0; s < sources.length; s++) {
        sources[s] = in.sources().get(sourceNames.get(s));
      }
      int[] entity = side == Entity.USER ? in.user() : in.item();
      int n = in.user().length;
      int[] buffer = new int[1001];
      long last = Long.MIN_VALUE;
      int sinceReport = 0;
      for (int i = 0; i < n; i++) {
        if (parts > 1 && entity[i] % parts != part) {
          continue;
        }
        long t = in.ts()[i];
        if (t != last) {
          state.advance(t);
          last = t;
        }
        for (int k = 0; k < mine.size(); k++) {
          int f = features.get(k);
          if (lists == null) {
            out[f][i] = state.value(k, in.user()[i], in.item()[i], t);
          } else {
            int got = state.items(k, in.user()[i], t, buffer);
            int at = lists.offsets[k][i];
            if (at + got > lists.values[k].length) {
              lists.values[k] = java.util.Arrays.copyOf(lists.values[k], Math.max(at + got, lists.values[k].length * 2));
            }
            System.arraycopy(buffer, 0, lists.values[k], at, got);
            lists.offsets[k][i + 1] = at + got;
          }
        }
        float[] src = null;
        if (sources.length > 0) {
          src = new float[sources.length];
          for (int s = 0; s < src.length; s++) {
            src[s] = sources[s] == null ? Float.NaN : sources[s][i];
          }
        }
        state.add(in.user()[i], in.item()[i], t, in.label()[i], src);
        if (++sinceReport == 1 << 16) {
          task.advance(sinceReport); // the parts of one group together cover every event once
          sinceReport = 0;
        }
      }
      return state.truncations();
    }
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
