package dev.tandem.datasets;

import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.source.RawEvents;
import dev.tandem.datasets.source.SideTableData;
import dev.tandem.progress.Progress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The events of a dataset in their final order, (timestamp, user, item), column-wise: what every phase after reading
 * works on. Users and items are rows of the entity tables, whose ids are in canonical order ({@link IdOrder});
 * numeric columns are floats (NaN when blank), string columns are codes into their dictionaries ({@code -1} when
 * blank).
 *
 * <p>Per-event columns computed from the events themselves, such as a user's count of strictly earlier events, are
 * derived from these arrays in this order, after the split is known and before the transform is fitted (see
 * {@link DatasetPreparer#prepare}); added to {@link #numeric} they are sources for features like any column of the log.
 *
 * @param userIds user ids by entity row
 * @param itemIds item ids by entity row
 */
record OrderedEvents(int size, int[] user, int[] item, long[] timestamp, String[] userIds, String[] itemIds,
    Map<String, float[]> numeric, Map<String, int[]> strings, Map<String, String[]> dictionaries) {

  /**
   * The order phase: entities in canonical order (every id an event refers to, and every key of the side table), and
   * the events sorted by (timestamp, user, item), ties in file order.
   */
  static OrderedEvents of(RawEvents raw, SideTableData users, SideTableData items, Progress progress) {
    int events = raw.size();
    String[] userIds = universe(raw.userIds(), raw.user(), users);
    String[] itemIds = universe(raw.itemIds(), raw.item(), items);
    int[] userRowByCode = rowsByCode(raw.userIds(), userIds);
    int[] itemRowByCode = rowsByCode(raw.itemIds(), itemIds);
    int[] userRow = new int[events];
    int[] itemRow = new int[events];
    for (int i = 0; i < events; i++) {
      userRow[i] = userRowByCode[raw.user()[i]];
      itemRow[i] = itemRowByCode[raw.item()[i]];
    }
    int[] order;
    try (Progress.Task task = progress.start("ordering by time", events, "events")) {
      order = RadixSort.eventOrder(raw.timestamp(), userRow, itemRow, userIds.length, itemIds.length);
      task.advance(events);
    }
    Map<String, float[]> numeric = new LinkedHashMap<>();
    raw.numeric().forEach((column, values) -> numeric.put(column, gather(values, order)));
    Map<String, int[]> strings = new LinkedHashMap<>();
    raw.strings().forEach((column, codes) -> strings.put(column, gather(codes, order)));
    return new OrderedEvents(events, gather(userRow, order), gather(itemRow, order), gather(raw.timestamp(), order), userIds, itemIds,
        numeric, strings, raw.dictionaries());
  }

  /**
   * The raw values of an event-level source (the ids, or a column of the log) for events {@code [from, to)}; numeric
   * features read the numeric column, others the string column of that name.
   */
  RawColumn column(FeatureSpec feature, int from, int to) {
    String source = feature.source();
    if (source.equals("user_id")) {
      return RawColumn.dict(Arrays.copyOfRange(user, from, to), userIds);
    }
    if (source.equals("item_id")) {
      return RawColumn.dict(Arrays.copyOfRange(item, from, to), itemIds);
    }
    if (feature.kind() == FeatureKind.NUMERIC) {
      return RawColumn.numbers(Arrays.copyOfRange(numeric.get(source), from, to));
    }
    return RawColumn.dict(Arrays.copyOfRange(strings.get(source), from, to), dictionaries.get(source));
  }

  /**
   * Every id of an event or of the side table, in canonical order. The dictionary may hold ids no event refers to
   * (from rows rejected after their user id was coded): those are left out.
   */
  private static String[] universe(String[] byCode, int[] codes, SideTableData table) {
    boolean[] used = new boolean[byCode.length];
    for (int code : codes) {
      used[code] = true;
    }
    Set<String> all = new HashSet<>();
    for (int code = 0; code < byCode.length; code++) {
      if (used[code]) {
        all.add(byCode[code]);
      }
    }
    if (table != null) {
      all.addAll(table.rows().keySet());
    }
    String[] out = all.toArray(new String[0]);
    Arrays.sort(out, IdOrder.INSTANCE);
    return out;
  }

  private static int[] rowsByCode(String[] byCode, String[] sorted) {
    Map<String, Integer> row = new HashMap<>(sorted.length * 2);
    for (int i = 0; i < sorted.length; i++) {
      row.put(sorted[i], i);
    }
    int[] out = new int[byCode.length];
    for (int code = 0; code < byCode.length; code++) {
      Integer found = row.get(byCode[code]);
      out[code] = found == null ? -1 : found; // an id no event refers to
    }
    return out;
  }

  static int[] gather(int[] values, int[] rows) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = values[rows[i]];
    }
    return out;
  }

  static long[] gather(long[] values, int[] rows) {
    long[] out = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = values[rows[i]];
    }
    return out;
  }

  static float[] gather(float[] values, int[] rows) {
    float[] out = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = values[rows[i]];
    }
    return out;
  }
}
