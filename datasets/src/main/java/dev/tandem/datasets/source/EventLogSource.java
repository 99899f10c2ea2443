package dev.tandem.datasets.source;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A generic interaction log in CSV or TSV, with optional user and item side tables. A new data set is usable by
 * writing this section, no code.
 *
 * @param events          the event log's layout
 * @param columns         maps Tandem's logical columns to the file's: {@code user_id}, {@code item_id},
 *                        {@code timestamp} (required) and optionally {@code rating}, {@code watch_seconds},
 *                        {@code click}. Any other column of the file is available to features, labels and weights
 *                        under its own name.
 * @param timestampFormat auto (unix seconds, unix milliseconds or ISO-8601, by value), unix_seconds, unix_millis,
 *                        iso8601
 * @param users           optional user side table
 * @param items           optional item side table
 */
public record EventLogSource(
    TextTable events,
    Map<String, String> columns,
    String timestampFormat,
    SideTable users,
    SideTable items) implements SourceConfig {

  public static final Set<String> LOGICAL = Set.of("user_id", "item_id", "timestamp", "rating", "watch_seconds", "click");

  public EventLogSource {
    Check.required(events, "events");
    Check.required(columns, "columns");
    for (String k : columns.keySet()) {
      Check.that(LOGICAL.contains(k), "columns." + k, "unknown logical column; allowed: " + new TreeMap<>(Map.of(
          "user_id", "required", "item_id", "required", "timestamp", "required", "rating", "optional",
          "watch_seconds", "optional", "click", "optional")).keySet());
    }
    for (String required : new String[] {"user_id", "item_id", "timestamp"}) {
      if (!columns.containsKey(required) || columns.get(required) == null || columns.get(required).isBlank()) {
        throw new ConfigException("columns." + required, "is required (the file's column holding the " + required.replace('_', ' ') + ")");
      }
    }
    columns = Map.copyOf(columns);
    timestampFormat = Check.orDefault(timestampFormat, "auto");
    Check.oneOf(timestampFormat, Set.of("auto", "unix_seconds", "unix_millis", "iso8601"), "timestamp_format");
  }

  /** A side table of user or item attributes, joined on {@code key}. */
  public record SideTable(String path, String delimiter, Boolean header, java.util.List<String> names, String encoding, String key) {
    public SideTable {
      Check.requiredText(key, "key");
      new TextTable(path, delimiter, header, names, encoding); // validates the layout keys now, not at read time
    }

    public TextTable table() {
      return new TextTable(path, delimiter, header, names, encoding);
    }
  }
}
