package dev.tandem.datasets.source;

import java.util.List;
import java.util.Map;

/**
 * A side table of entity attributes held in memory: for each key (user or item id) the needed columns' values as
 * strings ({@code null} when blank).
 */
public record SideTableData(String file, List<String> columns, Map<String, String[]> rows) {

  /** Index of {@code column}, or -1. */
  public int column(String column) {
    return columns.indexOf(column);
  }

  /** The value of {@code column} in {@code key}'s row; null if blank or if there is no such row. */
  public String value(String key, int column) {
    String[] r = rows.get(key);
    return r == null ? null : r[column];
  }
}
