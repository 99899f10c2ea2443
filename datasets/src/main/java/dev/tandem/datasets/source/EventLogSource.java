package dev.tandem.datasets.source;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A generic interaction log in CSV or TSV, with optional user and item side tables. A new data set is usable by
 * writing this section, no code.
 *
 * @param events          the event log's layout
 * @param columns         maps Tandem's logical columns to the file's: {@code user_id}, {@code item_id},
 *                        {@code timestamp} (required) and optionally {@code rating}, {@code watch_seconds},
 *                        {@code click}. Any other column of the file is available to features, labels and weights
 *                        under its own name.
 * @param timestampFormat auto (decided once for the column from its first 1,000 values: ISO-8601 if most are not
 *                        numbers, else unix milliseconds if their median magnitude is at least 1e11, else unix
 *                        seconds), unix_seconds, unix_millis, iso8601
 * @param users           optional user side table
 * @param items           optional item side table
 * @param invalidEncoding what to do with bytes that are not valid in a file's encoding: {@code reject} the row (the
 *                        default: two ids differing only in such bytes would otherwise read alike and merge) or
 *                        {@code replace} them with U+FFFD and keep the row
 */
public record EventLogSource(
    TextTable events,
    Map<String, String> columns,
    String timestampFormat,
    SideTable users,
    SideTable items,
    String invalidEncoding) implements SourceConfig {

  /** The logical columns every log must map: who, what and when. */
  public static final List<String> REQUIRED = List.of("user_id", "item_id", "timestamp");
  /** The optional logical columns: outcomes, kept in the event shards as signals ({@code sig.<name>}), in this order. */
  public static final List<String> OUTCOMES = List.of("rating", "watch_seconds", "click");
  /** Every logical column, in a fixed order (an order that is not fixed would change the shards from run to run). */
  public static final List<String> LOGICAL = Stream.concat(REQUIRED.stream(), OUTCOMES.stream()).toList();

  public EventLogSource {
    Check.required(events, "events");
    Check.required(columns, "columns");
    for (String k : columns.keySet()) {
      Check.that(LOGICAL.contains(k), "columns." + k, "unknown logical column; allowed: " + new TreeSet<>(LOGICAL)
          + " (required: " + REQUIRED + ")");
    }
    for (String required : REQUIRED) {
      if (!columns.containsKey(required) || columns.get(required) == null || columns.get(required).isBlank()) {
        throw new ConfigException("columns." + required, "is required (the file's column holding the " + required.replace('_', ' ') + ")");
      }
    }
    columns = Map.copyOf(columns);
    timestampFormat = Check.orDefault(timestampFormat, "auto");
    Check.oneOf(timestampFormat, Set.of("auto", "unix_seconds", "unix_millis", "iso8601"), "timestamp_format");
    invalidEncoding = Check.orDefault(invalidEncoding, "reject");
    Check.oneOf(invalidEncoding, Set.of("reject", "replace"), "invalid_encoding");
  }

  /** A log in the default settings ({@code timestamp_format: auto}, {@code invalid_encoding: reject}). */
  public EventLogSource(TextTable events, Map<String, String> columns, String timestampFormat, SideTable users, SideTable items) {
    this(events, columns, timestampFormat, users, items, null);
  }

  /** True if invalid bytes are replaced rather than rejected. */
  public boolean replaceInvalidEncoding() {
    return "replace".equals(invalidEncoding);
  }

  /** A side table of user or item attributes, joined on {@code key}. */
  public record SideTable(String path, String delimiter, Boolean header, List<String> names, String encoding, String key) {
    public SideTable {
      Check.requiredText(key, "key");
      new TextTable(path, delimiter, header, names, encoding); // validates the layout keys now, not at read time
    }

    /** The side table's file layout (path, delimiter, header, column names, encoding), without its join key. */
    public TextTable table() {
      return new TextTable(path, delimiter, header, names, encoding);
    }
  }
}
