package dev.tandem.datasets;

import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.source.SideTableData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The raw attributes of every user and of every item, by source column and entity row: from the side table, or else
 * from the entity's earliest event. They go into {@code users.tds} / {@code items.tds} and feed the entity features.
 */
record EntityAttributes(Map<String, String[]> users, Map<String, String[]> items) {

  static EntityAttributes of(DatasetConfig cfg, OrderedEvents events, SideTableData usersTable, SideTableData itemsTable) {
    return new EntityAttributes(
        attributes(cfg.features(Entity.USER), "user_id", events.userIds(), usersTable, events.user(), events),
        attributes(itemSources(cfg), "item_id", events.itemIds(), itemsTable, events.item(), events));
  }

  /** The item features, and the item attributes history_share features compare (shipped with the items for serving). */
  private static List<FeatureSpec> itemSources(DatasetConfig cfg) {
    List<FeatureSpec> out = new java.util.ArrayList<>(cfg.features(Entity.ITEM));
    cfg.features().stream().filter(f -> f.kind() == FeatureKind.HISTORY_SHARE).forEach(out::add);
    return out;
  }

  private static Map<String, String[]> attributes(List<FeatureSpec> features, String idColumn, String[] ids, SideTableData table,
      int[] eventRow, OrderedEvents events) {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (FeatureSpec f : features) {
      String s = f.source();
      if (s.equals(idColumn) || out.containsKey(s)) {
        continue;
      }
      String[] values = new String[ids.length];
      int col = table == null ? -1 : table.column(s);
      if (col >= 0) {
        for (int r = 0; r < ids.length; r++) {
          values[r] = table.value(ids[r], col);
        }
      } else {
        boolean[] set = new boolean[ids.length];
        float[] nv = f.kind() == FeatureKind.NUMERIC ? events.numeric().get(s) : null;
        int[] sv = nv == null ? events.strings().get(s) : null;
        RawColumn rc = nv != null ? RawColumn.numbers(nv) : RawColumn.dict(sv, events.dictionaries().get(s));
        for (int i = 0; i < eventRow.length; i++) {
          int r = eventRow[i];
          if (!set[r]) { // events are in time order: the first one seen is the earliest
            set[r] = true;
            values[r] = rc.text(i);
          }
        }
      }
      out.put(s, values);
    }
    return out;
  }
}
