package dev.tandem.datasets.features;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Encoded features of many rows (an entity table, or the context features of events), by feature name. */
public record EncodedTable(int rows, Map<String, EncodedColumn> columns) {
  public EncodedTable {
    columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    for (EncodedColumn c : columns.values()) {
      if (c.rows() != rows) {
        throw new IllegalArgumentException("column " + c.name() + " has " + c.rows() + " rows, table has " + rows);
      }
    }
  }

  public static EncodedTable of(int rows, List<EncodedColumn> cols) {
    Map<String, EncodedColumn> m = new LinkedHashMap<>();
    for (EncodedColumn c : cols) {
      m.put(c.name(), c);
    }
    return new EncodedTable(rows, m);
  }

  public EncodedColumn column(String name) {
    EncodedColumn c = columns.get(name);
    if (c == null) {
      throw new IllegalArgumentException("no encoded feature '" + name + "' (have " + columns.keySet() + ")");
    }
    return c;
  }
}
