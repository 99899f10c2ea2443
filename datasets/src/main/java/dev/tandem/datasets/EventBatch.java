package dev.tandem.datasets;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoded events, column-wise: the rows of one or more shards in time order.
 *
 * @param user    user entity row (see {@link PreparedDataset#users()})
 * @param item    item entity row
 * @param timestamp epoch seconds
 * @param label   0 or 1 by the dataset's label rule
 * @param weight  per-example weight (1 unless the dataset names a weight column)
 * @param context encoded context features
 * @param signals raw numeric outcome columns (e.g. rating, watch_seconds): the label's source and the logical
 *                optional columns, for models that learn from more than the binary label
 */
public record EventBatch(int[] user, int[] item, long[] timestamp, float[] label, float[] weight, EncodedTable context,
    Map<String, float[]> signals) {

  public int size() {
    return user.length;
  }

  /** Rows {@code [from, to)}. */
  public EventBatch slice(int from, int to) {
    int[] rows = new int[to - from];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = from + i;
    }
    return select(rows);
  }

  /** The given rows, in the given order. */
  public EventBatch select(int[] rows) {
    int n = rows.length;
    int[] u = new int[n];
    int[] it = new int[n];
    long[] ts = new long[n];
    float[] l = new float[n];
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      int r = rows[i];
      u[i] = user[r];
      it[i] = item[r];
      ts[i] = timestamp[r];
      l[i] = label[r];
      w[i] = weight[r];
    }
    List<EncodedColumn> cols = new ArrayList<>();
    for (EncodedColumn c : context.columns().values()) {
      cols.add(selectColumn(c, rows));
    }
    Map<String, float[]> sig = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : signals.entrySet()) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = e.getValue()[rows[i]];
      }
      sig.put(e.getKey(), v);
    }
    return new EventBatch(u, it, ts, l, w, EncodedTable.of(n, cols), sig);
  }

  static EncodedColumn selectColumn(EncodedColumn c, int[] rows) {
    if (c instanceof EncodedColumn.Index x) {
      int[] v = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        v[i] = x.values()[rows[i]];
      }
      return new EncodedColumn.Index(x.name(), x.cardinality(), v);
    }
    if (c instanceof EncodedColumn.Real x) {
      float[] v = new float[rows.length];
      for (int i = 0; i < rows.length; i++) {
        v[i] = x.values()[rows[i]];
      }
      return new EncodedColumn.Real(x.name(), v);
    }
    EncodedColumn.MultiIndex m = (EncodedColumn.MultiIndex) c;
    int[] offsets = new int[rows.length + 1];
    int total = 0;
    for (int i = 0; i < rows.length; i++) {
      total += m.offsets()[rows[i] + 1] - m.offsets()[rows[i]];
      offsets[i + 1] = total;
    }
    int[] values = new int[total];
    for (int i = 0; i < rows.length; i++) {
      int s = m.offsets()[rows[i]];
      int len = m.offsets()[rows[i] + 1] - s;
      System.arraycopy(m.values(), s, values, offsets[i], len);
    }
    return new EncodedColumn.MultiIndex(m.name(), m.cardinality(), offsets, values);
  }

  /** Concatenates batches with the same context columns. */
  public static EventBatch concat(List<EventBatch> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    int n = 0;
    for (EventBatch b : parts) {
      n += b.size();
    }
    int[] u = new int[n];
    int[] it = new int[n];
    long[] ts = new long[n];
    float[] l = new float[n];
    float[] w = new float[n];
    int at = 0;
    for (EventBatch b : parts) {
      System.arraycopy(b.user, 0, u, at, b.size());
      System.arraycopy(b.item, 0, it, at, b.size());
      System.arraycopy(b.timestamp, 0, ts, at, b.size());
      System.arraycopy(b.label, 0, l, at, b.size());
      System.arraycopy(b.weight, 0, w, at, b.size());
      at += b.size();
    }
    Map<String, EncodedColumn> cols = new LinkedHashMap<>();
    if (!parts.isEmpty()) {
      for (String name : parts.get(0).context.columns().keySet()) {
        List<EncodedColumn> pieces = new ArrayList<>();
        for (EventBatch b : parts) {
          pieces.add(b.context.column(name));
        }
        cols.put(name, concatColumn(pieces, n));
      }
    }
    Map<String, float[]> sig = new LinkedHashMap<>();
    if (!parts.isEmpty()) {
      for (String name : parts.get(0).signals.keySet()) {
        float[] v = new float[n];
        int pos = 0;
        for (EventBatch b : parts) {
          System.arraycopy(b.signals.get(name), 0, v, pos, b.size());
          pos += b.size();
        }
        sig.put(name, v);
      }
    }
    return new EventBatch(u, it, ts, l, w, new EncodedTable(n, cols), sig);
  }

  private static EncodedColumn concatColumn(List<EncodedColumn> pieces, int n) {
    EncodedColumn first = pieces.get(0);
    if (first instanceof EncodedColumn.Index x) {
      int[] v = new int[n];
      int at = 0;
      for (EncodedColumn c : pieces) {
        int[] src = ((EncodedColumn.Index) c).values();
        System.arraycopy(src, 0, v, at, src.length);
        at += src.length;
      }
      return new EncodedColumn.Index(x.name(), x.cardinality(), v);
    }
    if (first instanceof EncodedColumn.Real x) {
      float[] v = new float[n];
      int at = 0;
      for (EncodedColumn c : pieces) {
        float[] src = ((EncodedColumn.Real) c).values();
        System.arraycopy(src, 0, v, at, src.length);
        at += src.length;
      }
      return new EncodedColumn.Real(x.name(), v);
    }
    EncodedColumn.MultiIndex m = (EncodedColumn.MultiIndex) first;
    int total = 0;
    for (EncodedColumn c : pieces) {
      total += ((EncodedColumn.MultiIndex) c).values().length;
    }
    int[] offsets = new int[n + 1];
    int[] values = new int[total];
    int row = 0;
    int at = 0;
    for (EncodedColumn c : pieces) {
      EncodedColumn.MultiIndex p = (EncodedColumn.MultiIndex) c;
      for (int i = 0; i < p.rows(); i++) {
        offsets[row + i + 1] = at + p.offsets()[i + 1];
      }
      System.arraycopy(p.values(), 0, values, at, p.values().length);
      row += p.rows();
      at += p.values().length;
    }
    return new EncodedColumn.MultiIndex(m.name(), m.cardinality(), offsets, values);
  }
}
