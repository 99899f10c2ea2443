package dev.tandem.datasets;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.source.EventLogReader;
import dev.tandem.datasets.source.EventLogSource;
import dev.tandem.datasets.source.SideTableReader;
import dev.tandem.datasets.source.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plan phase's result: which columns to read from the event log and from each side table, and where each
 * feature's values come from. Every configured column is checked against the files' headers here, before any row is
 * read, so that a misspelt column fails at once and names its key.
 *
 * @param header the event log's column names
 * @param events what to extract from each row of the log, and how its timestamps are read
 * @param users  the user attributes to read from the users table (none without one)
 * @param items  the item attributes to read from the items table
 */
record ReadPlan(List<String> header, EventLogReader.Plan events, SideColumns users, SideColumns items) {

  /** The columns to read from a side table, and which of them must be numbers. */
  record SideColumns(List<String> columns, Set<String> numeric) {
    /** While planning: the table is where {@code f}'s values come from. */
    private void add(FeatureSpec f) {
      if (!columns.contains(f.source())) {
        columns.add(f.source());
      }
      if (f.kind() == FeatureKind.NUMERIC) {
        numeric.add(f.source());
      }
    }
  }

  /**
   * Plans the read.
   *
   * @param users the users table's reader, or null
   * @param items the items table's reader, or null
   * @param now   the moment of preparation (the default end of the plausible time range)
   * @throws ConfigException naming the key of a column that is in none of the files
   */
  static ReadPlan of(DatasetConfig cfg, EventLogSource source, EventLogReader reader, SideTableReader users,
      SideTableReader items, Instant now) {
    List<String> header = reader.header();
    Map<String, String> logical = source.columns();
    String file = reader.files().get(0).getName();
    LabelRule rule = cfg.labelRule();
    int userCol = requireColumn(header, logical.get("user_id"), "dataset.source.columns.user_id", file);
    int itemCol = requireColumn(header, logical.get("item_id"), "dataset.source.columns.item_id", file);
    int tsCol = requireColumn(header, logical.get("timestamp"), "dataset.source.columns.timestamp", file);
    Map<String, Integer> numeric = new LinkedHashMap<>();
    Map<String, Integer> strings = new LinkedHashMap<>();
    for (String outcome : EventLogSource.OUTCOMES) {
      if (logical.containsKey(outcome)) {
        numeric.put(outcome, requireColumn(header, logical.get(outcome), "dataset.source.columns." + outcome, file));
      }
    }
    Set<String> required = new HashSet<>();
    Set<String> nonNegative = new HashSet<>();
    int labelIdx = eventColumn(header, logical, rule.column());
    if (labelIdx < 0) {
      throw new ConfigException("dataset.label", "column '" + rule.column() + "' is not in " + file + " (columns: " + header
          + (logical.isEmpty() ? "" : ", logical: " + new TreeSet<>(logical.keySet())) + ")");
    }
    numeric.put(rule.column(), labelIdx);
    required.add(rule.column());
    if (cfg.weight() != null) {
      int w = eventColumn(header, logical, cfg.weight());
      if (w < 0) {
        throw new ConfigException("dataset.weight", "column '" + cfg.weight() + "' is not in " + file + " (columns: " + header + ")");
      }
      numeric.put(cfg.weight(), w);
      required.add(cfg.weight());
      nonNegative.add(cfg.weight());
    }
    SideColumns userSide = new SideColumns(new ArrayList<>(), new HashSet<>());
    SideColumns itemSide = new SideColumns(new ArrayList<>(), new HashSet<>());
    List<String> userCols = users == null ? List.of() : users.columns();
    List<String> itemCols = items == null ? List.of() : items.columns();
    for (int i = 0; i < cfg.features().size(); i++) {
      FeatureSpec f = cfg.features().get(i);
      String s = f.source();
      if (f.isHistory()) {
        if (f.kind() == FeatureKind.HISTORY_MEAN && !numeric.containsKey(s)) {
          throw new ConfigException("dataset.features[" + i + "].source", "history_mean averages an outcome column: the label's column '"
              + rule.column() + "' or one of " + EventLogSource.OUTCOMES + " mapped in dataset.source.columns; '" + s + "' is neither");
        }
        if (f.kind() != FeatureKind.HISTORY_SHARE) {
          continue; // derived from the events themselves
        }
        if (itemCols.contains(s)) {
          itemSide.add(f);
          continue;
        }
      }
      if (s.equals("user_id") || s.equals("item_id")) {
        continue;
      }
      if (f.entity() == Entity.USER && userCols.contains(s)) {
        userSide.add(f);
        continue;
      }
      if (f.entity() == Entity.ITEM && itemCols.contains(s)) {
        itemSide.add(f);
        continue;
      }
      int idx = eventColumn(header, logical, s);
      if (idx < 0) {
        String where = f.entity() == Entity.USER && users != null ? "the users table " + userCols + " nor "
            : f.entity() == Entity.ITEM && items != null ? "the items table " + itemCols + " nor " : "";
        throw new ConfigException("dataset.features[" + i + "].source", "column '" + s + "' is in neither " + where + "the event log " + header);
      }
      (f.kind() == FeatureKind.NUMERIC ? numeric : strings).putIfAbsent(s, idx);
    }
    Timestamps.Decision timestamps = reader.timestamps(tsCol, source.timestampFormat());
    EventLogReader.Plan plan = new EventLogReader.Plan(userCol, itemCol, tsCol, timestamps, cfg.timestampRange().fromSeconds(),
        cfg.timestampRange().toSeconds(now), numeric, strings, required, nonNegative);
    return new ReadPlan(header, plan, userSide, itemSide);
  }

  /** How event times are read, for the summary. */
  PrepareSummary.TimestampSummary timestampSummary(String configured) {
    return new PrepareSummary.TimestampSummary(header.get(events.timestampColumn()), configured, events.timestamps().format(),
        events.timestamps().reason(), Timestamps.describe(events.earliest()), Timestamps.describe(events.latest()));
  }

  private static int requireColumn(List<String> header, String name, String key, String file) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new ConfigException(key, "column '" + name + "' is not in " + file + " (columns: " + header + ")");
    }
    return i;
  }

  /** The file column of a logical column name or of a plain column name; -1 if there is none. */
  private static int eventColumn(List<String> header, Map<String, String> logical, String name) {
    return header.indexOf(logical.getOrDefault(name, name));
  }
}
