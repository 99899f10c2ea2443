package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.Fields;
import dev.tandem.datasets.text.LineChunks;
import dev.tandem.datasets.text.Records;
import dev.tandem.datasets.text.RejectReason;
import dev.tandem.datasets.text.RowError;
import dev.tandem.datasets.text.SliceCodes;
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
 * {@link BadRows} accounting as the event log; a repeated key keeps the first row and rejects the others. Keys are
 * ids: a whitespace-only key, a key with a control character, and (unless {@code invalid_encoding: replace}) bytes that
 * are not valid in the file's encoding make a bad row.
 */
public final class SideTableReader {
  private final TextTable table;
  private final String key;
  private final List<Path> files;
  private final String configKey;
  private final UnaryOperator<String[]> derive;
  private final List<String> derivedNames;
  private final String baseDir;
  private final boolean replaceInvalid;
  private final int chunkBytes;

  /**
   * @param configKey      the configuration key of the table, named in errors
   * @param derive         optional: turns the file's fields into the table's columns (e.g. MovieLens genre flags into
   *                       one multi-hot column); {@code derivedNames} then names its output
   * @param replaceInvalid keep rows with bytes invalid in the file's encoding (as U+FFFD) instead of rejecting them
   * @throws BadInputException if the table's location does not exist or holds no data files
   */
  public SideTableReader(TextTable table, String key, String baseDir, String configKey,
      UnaryOperator<String[]> derive, List<String> derivedNames, boolean replaceInvalid) {
    this(table, key, baseDir, configKey, derive, derivedNames, replaceInvalid, 1 << 20);
  }

  /** With a chunk size of its own: lets tests put chunk boundaries where they want them. */
  SideTableReader(TextTable table, String key, String baseDir, String configKey, UnaryOperator<String[]> derive,
      List<String> derivedNames, boolean replaceInvalid, int chunkBytes) {
    this.chunkBytes = chunkBytes;
    this.table = table;
    this.key = key;
    this.configKey = configKey;
    this.baseDir = baseDir;
    this.files = InputFiles.list(baseDir, table.path(), configKey.endsWith(".path") ? configKey : configKey + ".path");
    this.derive = derive;
    this.derivedNames = derivedNames;
    this.replaceInvalid = replaceInvalid;
  }

  /** A table read as it is, without derived columns. */
  public SideTableReader(TextTable table, String key, String baseDir, String configKey, boolean replaceInvalid) {
    this(table, key, baseDir, configKey, null, null, replaceInvalid);
  }

  /**
   * Column names after derivation.
   *
   * @throws BadInputException if the first file is empty, binary or names a column twice
   */
  public List<String> columns() {
    return derivedNames != null ? derivedNames : fileColumns();
  }

  private List<String> fileColumns() {
    if (table.names() != null) {
      return table.names();
    }
    return new EventLogReader(table, baseDir, 1, configKey, replaceInvalid).header();
  }

  /** The table, the files it came from with their checksums, and its rows read and rejected. */
  public record Result(SideTableData data, List<InputFile> files, long rowsRead, long rowsRejected) {}

  /**
   * Reads the key plus {@code needed} columns; values of {@code numeric} columns must parse as finite numbers.
   *
   * @throws BadInputException if the key or a needed column is not in the table, or {@code bad} gives up
   * @throws UncheckedIOException if a file cannot be read
   */
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
      Records.Visitor visitor = new Records.Visitor() {
        @Override
        public void record(Fields fields, int n, byte[] b, int from, int to, long line) {
          if (line == 1 && table.header()) {
            return;
          }
          counts[0]++;
          Rejection why = row(fields, n, rows, fileCols.size(), keyIdx, idx, isNum, needed);
          if (why != null) {
            reject(bad, counts, why.at(file, line, b, from, to, table.charset()));
          }
        }

        @Override
        public void malformed(RejectReason reason, String detail, byte[] b, int from, int to, long line) {
          counts[0]++;
          reject(bad, counts, new RowError(file, line, reason, detail, Fields.snippet(b, from, to, table.charset())));
        }
      };
      try (InputStream in = InputFiles.open(p)) {
        LineChunks chunks = new LineChunks(in, chunkBytes);
        LineChunks.Chunk c;
        Records.Tail tail = null;
        while ((c = chunks.next()) != null) {
          crc.update(c.data(), 0, c.length());
          LineChunks.Chunk chunk = tail == null ? c : tail.join(c);
          tail = Records.walk(chunk.data(), 0, chunk.length(), chunk.firstLine(), false, f, fileCols.size(), visitor);
        }
        if (tail != null) {
          LineChunks.Chunk chunk = tail.join(null);
          Records.walk(chunk.data(), 0, chunk.length(), chunk.firstLine(), true, f, fileCols.size(), visitor);
        }
        var st = Fs.status(p);
        inputs.add(new InputFile(file, st.getLen(), st.getModificationTime(), String.format("%08x", crc.getValue()), counts[0] - fileRows0));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p, e);
      }
    }
    return new Result(new SideTableData(files.get(0).toString(), List.copyOf(needed), rows), inputs, counts[0], counts[1]);
  }

  /** Adds one row to {@code rows}; returns null, or why it cannot be used. */
  private Rejection row(Fields f, int n, Map<String, String[]> rows, int width, int keyIdx, int[] idx, boolean[] isNum, List<String> needed) {
    if (n != width) {
      return new Rejection(RejectReason.WRONG_COLUMN_COUNT, "expected " + width + " columns, found " + n);
    }
    String[] all = new String[n];
    boolean[] invalid = new boolean[n];
    for (int i = 0; i < n; i++) {
      String strict = replaceInvalid ? null : f.strictString(i);
      invalid[i] = !replaceInvalid && strict == null;
      all[i] = strict != null ? strict : f.string(i);
    }
    String[] values = derive == null ? all : derive.apply(all);
    for (int i = -1; i < idx.length; i++) {
      int col = i < 0 ? keyIdx : idx[i];
      boolean bad = derive == null ? invalid[col] : anyOf(invalid); // derived columns may come from any field
      if (bad) {
        return new Rejection(RejectReason.INVALID_ENCODING, "column '" + (i < 0 ? key : needed.get(i)) + "' holds bytes that are not valid " + table.charset().name()
            + " (dataset.source.invalid_encoding: replace keeps such rows, with U+FFFD in their place)");
      }
    }
    String k = values[keyIdx];
    int problem = k == null ? SliceCodes.BLANK : SliceCodes.idProblem(k);
    if (problem == SliceCodes.BLANK) {
      return new Rejection(RejectReason.MISSING_ID, "key column '" + key + "' is empty");
    }
    if (problem == SliceCodes.WHITESPACE_ONLY) {
      return new Rejection(RejectReason.MISSING_ID, "key column '" + key + "' is only whitespace");
    }
    if (problem == SliceCodes.CONTROL_CHARACTER) {
      return new Rejection(RejectReason.INVALID_ID, "key '" + Fields.printable(k) + "' holds a control character");
    }
    String[] row = new String[idx.length];
    for (int i = 0; i < idx.length; i++) {
      String v = values[idx[i]];
      row[i] = v == null || v.isEmpty() ? null : v;
      if (isNum[i] && row[i] != null) {
        double d;
        try {
          d = Double.parseDouble(row[i]);
        } catch (NumberFormatException e) {
          return new Rejection(RejectReason.UNPARSABLE_NUMBER, "column '" + needed.get(i) + "' value '" + row[i] + "' is not a number");
        }
        if (!Float.isFinite((float) d)) {
          return new Rejection(RejectReason.NON_FINITE_NUMBER, "column '" + needed.get(i) + "' value '" + row[i] + "' is "
              + (Double.isFinite(d) ? "too large for a 32-bit float" : "not a finite number"));
        }
      }
    }
    if (rows.putIfAbsent(k, row) != null) {
      return new Rejection(RejectReason.DUPLICATE_KEY, "key '" + k + "' already appeared; the first row is kept");
    }
    return null;
  }

  private static boolean anyOf(boolean[] b) {
    for (boolean v : b) {
      if (v) {
        return true;
      }
    }
    return false;
  }

  private static void reject(BadRows bad, long[] counts, RowError e) {
    counts[1]++;
    bad.reject(e);
  }
}
