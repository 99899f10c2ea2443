package dev.tandem.serving.history;

import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.HistoryFeatures;
import dev.tandem.datasets.LabelRule;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.CorruptDataException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events a bundle's history is rebuilt from, as of export: every event of the prepared dataset (train, validation
 * and test, in time order) with what the history features read of it: user row, item row, timestamp, label and the
 * outcome columns history_mean features average. Stored as {@code history/events.tds} (a {@link ColumnFile} of kind
 * {@value #KIND}) with the dataset's label rule, which serving applies to the events clients post exactly as preparation
 * applied it to the log. Immutable.
 */
public final class HistoryEvents {
  public static final String KIND = "history_events";

  private final int[] user;
  private final int[] item;
  private final long[] timestamp;
  private final float[] label;
  private final Map<String, float[]> sources;
  private final LabelRule labelRule;

  /**
   * @param sources   per outcome column {@link HistoryFeatures#sources()} names, its value per event (NaN: missing)
   * @param labelRule the dataset's label rule (as its manifest records it)
   */
  public HistoryEvents(int[] user, int[] item, long[] timestamp, float[] label, Map<String, float[]> sources, LabelRule labelRule) {
    int n = user.length;
    if (item.length != n || timestamp.length != n || label.length != n || sources.values().stream().anyMatch(s -> s.length != n)) {
      throw new IllegalArgumentException("history event columns differ in length");
    }
    this.user = user;
    this.item = item;
    this.timestamp = timestamp;
    this.label = label;
    this.sources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    this.labelRule = labelRule;
  }

  /**
   * The events of a prepared dataset whose transform has history features; null when it has none (such a bundle is
   * written exactly as before history features existed).
   */
  public static HistoryEvents of(PreparedDataset ds) {
    HistoryFeatures h = HistoryFeatures.of(ds.transform(), ds.items());
    if (h == null) {
      return null;
    }
    List<EventBatch> parts = new ArrayList<>();
    for (SplitName s : SplitName.values()) { // the splits are consecutive in time: together, every event in time order
      parts.add(ds.read(s));
    }
    EventBatch all = EventBatch.concat(parts);
    Map<String, float[]> sources = new LinkedHashMap<>();
    for (String s : h.sources()) {
      float[] v = all.signals().get(s);
      if (v == null) {
        v = new float[all.size()];
        java.util.Arrays.fill(v, Float.NaN);
      }
      sources.put(s, v);
    }
    return new HistoryEvents(all.user(), all.item(), all.timestamp(), all.label(), sources,
        LabelRule.parse(ds.manifest().label(), ds.dir() + "/dataset.json: label"));
  }

  /** The file's bytes. */
  public byte[] toBytes() {
    ColumnFile.Builder b = new ColumnFile.Builder(KIND, size()).meta("label_rule", labelRule.toString())
        .meta("sources", List.copyOf(sources.keySet()))
        .ints("user", user, null).ints("item", item, null).longs("timestamp", timestamp).floats("label", label);
    sources.forEach((name, v) -> b.floats("src." + name, v));
    return b.toBytes();
  }

  /**
   * Reads the file back, checking that every event refers to a row of the bundle's tables and that the events are in
   * time order.
   *
   * @param file names the file in errors
   * @throws CorruptDataException naming the file when it is damaged or does not fit the bundle
   */
  @SuppressWarnings("unchecked")
  public static HistoryEvents decode(String file, byte[] bytes, int users, int items) {
    ColumnFile f = ColumnFile.decode(file, bytes);
    if (!KIND.equals(f.kind())) {
      throw new CorruptDataException(file, "is a '" + f.kind() + "' file, not " + KIND);
    }
    Object rule = f.header().meta().get("label_rule");
    Object names = f.header().meta().get("sources");
    if (!(rule instanceof String r) || !(names instanceof List<?> list)) {
      throw new CorruptDataException(file, "has no label_rule or sources in its header");
    }
    LabelRule labelRule;
    try {
      labelRule = LabelRule.parse(r, "label_rule");
    } catch (RuntimeException e) {
      throw new CorruptDataException(file, "label_rule '" + r + "' does not parse: " + e.getMessage(), e);
    }
    Map<String, float[]> sources = new LinkedHashMap<>();
    for (Object s : list) {
      sources.put(String.valueOf(s), f.floats("src." + s));
    }
    int[] user = f.ints("user");
    int[] item = f.ints("item");
    long[] ts = f.longs("timestamp");
    for (int i = 0; i < user.length; i++) {
      if (user[i] < 0 || user[i] >= users || item[i] < 0 || item[i] >= items) {
        throw new CorruptDataException(file, "event " + i + " refers to user row " + user[i] + " and item row " + item[i] + ", but the"
            + " bundle has " + users + " users and " + items + " items");
      }
      if (i > 0 && ts[i] < ts[i - 1]) {
        throw new CorruptDataException(file, "event " + i + " is earlier than the one before it (" + ts[i] + " < " + ts[i - 1] + ")");
      }
    }
    return new HistoryEvents(user, item, ts, f.floats("label"), sources, labelRule);
  }

  /**
   * A new history of the transform's history features holding every event, in order (not yet advanced to any time).
   * The caller owns it.
   */
  public HistoryFeatures replay(FeatureTransform transform, EntityTable items) {
    HistoryFeatures h = HistoryFeatures.of(transform, items);
    if (h == null) {
      throw new IllegalArgumentException("the feature transform has no history features");
    }
    List<String> want = h.sources();
    float[][] cols = new float[want.size()][];
    for (int s = 0; s < cols.length; s++) {
      cols[s] = sources.get(want.get(s));
      if (cols[s] == null) {
        throw new IllegalArgumentException("the history events have no column '" + want.get(s) + "' (they have " + sources.keySet() + ")");
      }
    }
    int catalogue = items.size();
    for (int i = 0; i < user.length; i++) {
      float[] src = null;
      if (cols.length > 0) {
        src = new float[cols.length];
        for (int s = 0; s < src.length; s++) {
          src[s] = cols[s][i];
        }
      }
      h.add(user[i], item[i] < catalogue ? item[i] : -1, timestamp[i], label[i], src);
    }
    return h;
  }

  public int size() {
    return user.length;
  }

  /** The dataset's label rule: how serving turns a posted event's outcome into its label. */
  public LabelRule labelRule() {
    return labelRule;
  }

  /** The outcome columns stored beside the label, by name. */
  public List<String> sources() {
    return List.copyOf(sources.keySet());
  }

  /** The time of the last event (Long.MIN_VALUE without events). */
  public long lastTimestamp() {
    return timestamp.length == 0 ? Long.MIN_VALUE : timestamp[timestamp.length - 1];
  }

  public int[] users() {
    return user;
  }

  public int[] items() {
    return item;
  }

  public long[] timestamps() {
    return timestamp;
  }

  public float[] labels() {
    return label;
  }

  /** The values of one outcome column (null if not stored). */
  public float[] source(String name) {
    return sources.get(name);
  }
}
