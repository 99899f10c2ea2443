package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.Fields;
import dev.tandem.datasets.text.LineChunks;
import dev.tandem.datasets.text.RejectReason;
import dev.tandem.datasets.text.RowError;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.Path;

/**
 * Reads a side table of user or item attributes into memory, keyed by id. Malformed rows go through the same
 * {@link BadRows} accounting as the event log; a repeated key keeps the first row and rejects the others.
 */
public final class SideTableReader {
  private final TextTable table;
  private final String key;
  private final List<Path> files;
  private final String configKey;
  private final UnaryOperator<String[]> derive;
  private final List<String> derivedNames;
  private final String baseDir;

  /**
   * @param derive optional: turns the file's fields into the table's columns (e.g. MovieLens genre flags into one
   *               multi-hot column); {@code derivedNames} then names its output
   */
  public SideTableReader(TextTable table, String key, String baseDir, String configKey,
      UnaryOperator<String[]> derive, List<String> derivedNames) {
    this.table = table;
    this.key = key;
    this.configKey = configKey;
    this.baseDir = baseDir;
    this.files = InputFiles.list(baseDir, table.path(), configKey.endsWith(".path") ? configKey : configKey + ".path");
    this.derive = derive;
    this.derivedNames = derivedNames;
  }

  public SideTableReader(TextTable table, String key, String baseDir, String configKey) {
    this(table, key, baseDir, configKey, null, null);
  }

  /** Column names after derivation. */
  public List<String> columns() {
    return derivedNames != null ? derivedNames : fileColumns();
  }

  private List<String> fileColumns() {
    if (table.names() != null) {
      return table.names();
    }
    return new EventLogReader(table, baseDir, 1, configKey).header();
  }

  public record Result(SideTableData data, List<InputFile> files, long rowsRead, long rowsRejected) {}

  /** Reads the key plus {@code needed} columns; values of {@code numeric} columns must parse as numbers. */
  public Result read(List<String> needed, Set<String> numeric, BadRows bad) {
    List<String> fileCols = fileColumns();
    List<String> cols = columns();
    int keyIdx = cols.indexOf(key);
    if (keyIdx < 0) {
      throw new BadInputException(configKey + ".key: column '" + key + "' is not in " + files.get(0) + " (columns: " + cols + ")");
    }
    int[] idx = new int[needed.size()];
    for (int i = 0; i < needed.size(); i++) {
      idx[i] = cols.indexOf(needed.get(i));
      if (idx[i] < 0) {
        throw new BadInputException(configKey + ": column '" + needed.get(i) + "' is not in " + files.get(0) + " (columns: " + cols + ")");
      }
    }
    boolean[] isNum = new boolean[needed.size()];
    for (int i = 0; i < needed.size(); i++) {
      isNum[i] = numeric.contains(needed.get(i));
    }
    Map<String, String[]> rows = new HashMap<>();
    List<InputFile> inputs = new ArrayList<>();
    long[] counts = new long[2];
    for (Path p : files) {
      Fields f = new Fields(table.delimiterFor(p.getName()), table.charset());
      CRC32C crc = new CRC32C();
      long fileRows0 = counts[0];
      String file = p.toString();
      try (InputStream in = InputFiles.open(p)) {
        LineChunks chunks = new LineChunks(in, 1 << 20);
        LineChunks.Chunk c;
        boolean first = true;
        while ((c = chunks.next()) != null) {
          crc.update(c.data(), 0, c.length());
          final boolean skipHeader = first && table.header();
          first = false;
          final boolean[] skip = {skipHeader};
          LineChunks.forEachLine(c, (b, from, to, line) -> {
            if (skip[0]) {
              skip[0] = false;
              return true;
            }
            if (to == from) {
              return true;
            }
            counts[0]++;
            int n = f.split(b, from, to);
            if (n < 0) {
              reject(bad, counts, new RowError(file, line, RejectReason.UNTERMINATED_QUOTE, "a quoted field is not closed on its line", Fields.snippet(b, from, to, table.charset())));
              return true;
            }
            if (n != fileCols.size()) {
              reject(bad, counts, new RowError(file, line, RejectReason.WRONG_COLUMN_COUNT, "expected " + fileCols.size() + " columns, found " + n, Fields.snippet(b, from, to, table.charset())));
              return true;
            }
            String[] all = new String[n];
            for (int i = 0; i < n; i++) {
              all[i] = f.string(i);
            }
            String[] values = derive == null ? all : derive.apply(all);
            String k = values[keyIdx];
            if (k == null || k.isEmpty()) {
              reject(bad, counts, new RowError(file, line, RejectReason.MISSING_ID, "key column '" + key + "' is empty", Fields.snippet(b, from, to, table.charset())));
              return true;
            }
            String[] row = new String[idx.length];
            for (int i = 0; i < idx.length; i++) {
              String v = values[idx[i]];
              row[i] = v == null || v.isEmpty() ? null : v;
              if (isNum[i] && row[i] != null) {
                try {
                  Double.parseDouble(row[i]);
                } catch (NumberFormatException e) {
                  reject(bad, counts, new RowError(file, line, RejectReason.UNPARSABLE_NUMBER, "column '" + needed.get(i) + "' value '" + row[i] + "' is not a number", Fields.snippet(b, from, to, table.charset())));
                  return true;
                }
              }
            }
            if (rows.putIfAbsent(k, row) != null) {
              reject(bad, counts, new RowError(file, line, RejectReason.DUPLICATE_KEY, "key '" + k + "' already appeared; the first row is kept", Fields.snippet(b, from, to, table.charset())));
            }
            return true;
          });
        }
        var st = Fs.status(p);
        inputs.add(new InputFile(file, st.getLen(), st.getModificationTime(), String.format("%08x", crc.getValue()), counts[0] - fileRows0));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p, e);
      }
    }
    return new Result(new SideTableData(files.get(0).toString(), List.copyOf(needed), rows), inputs, counts[0], counts[1]);
  }

  private static void reject(BadRows bad, long[] counts, RowError e) {
    counts[1]++;
    bad.reject(e);
  }
}
