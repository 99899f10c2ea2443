package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.Buffers;
import dev.tandem.datasets.text.Fields;
import dev.tandem.datasets.text.LineChunks;
import dev.tandem.datasets.text.Records;
import dev.tandem.datasets.text.RejectReason;
import dev.tandem.datasets.text.RowError;
import dev.tandem.datasets.text.SliceCodes;
import dev.tandem.datasets.text.StringDictionary;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.Path;

/**
 * Reads a delimited event log (one file or a directory of parts, each possibly compressed) in parallel: one thread
 * reads and decompresses the stream and cuts it into chunks of whole lines, worker threads parse them, and results are
 * gathered in file order so that row order, error order and the outcome of {@code max_bad_rows} never depend on thread
 * timing. Every rejected row is reported to {@link BadRows} with its file and line.
 */
public final class EventLogReader {
  static final int CHUNK_BYTES = 4 << 20;
  /** A first line longer than this is not a CSV header: the file is binary or has no line breaks. */
  private static final int FIRST_LINE_LIMIT = 1 << 20;

  /**
   * Which file columns to extract, and how. Output names are what the rest of the pipeline calls them.
   *
   * @param timestamps  how the timestamp column is read (decided once for the column, see {@link #timestamps})
   * @param earliest    the earliest plausible event time, epoch seconds; earlier events are bad rows
   * @param latest      the latest plausible event time, epoch seconds; later events are bad rows
   * @param required    numeric columns that must not be empty (label, weight)
   * @param nonNegative numeric columns that must not be negative (weight)
   */
  public record Plan(int userColumn, int itemColumn, int timestampColumn, Timestamps.Decision timestamps,
      long earliest, long latest, Map<String, Integer> numeric, Map<String, Integer> strings, Set<String> required,
      Set<String> nonNegative) {}

  private final TextTable table;
  private final List<Path> files;
  private final int threads;
  private final boolean replaceInvalid;
  private final int chunkBytes;

  /**
   * @param key            the configuration key of the log's location, named in errors
   * @param replaceInvalid keep rows with bytes invalid in the file's encoding (as U+FFFD) instead of rejecting them
   * @throws BadInputException if the location does not exist or holds no data files
   */
  public EventLogReader(TextTable table, String baseDir, int threads, String key, boolean replaceInvalid) {
    this(table, baseDir, threads, key, replaceInvalid, CHUNK_BYTES);
  }

  /** With a chunk size of its own: lets tests put chunk boundaries where they want them. */
  EventLogReader(TextTable table, String baseDir, int threads, String key, boolean replaceInvalid, int chunkBytes) {
    this.table = table;
    this.files = InputFiles.list(baseDir, table.path(), key.endsWith(".path") ? key : key + ".path");
    this.threads = threads;
    this.replaceInvalid = replaceInvalid;
    this.chunkBytes = chunkBytes;
  }

  /** The files of the log, in the order they are read. */
  public List<Path> files() {
    return files;
  }

  /**
   * The column names: the configured ones, or the header of the first file.
   *
   * @throws BadInputException if the first file is empty, binary (a NUL byte or bytes invalid in its encoding in its
   *     first line) or names a column twice
   */
  public List<String> header() {
    if (table.names() != null) {
      return table.names();
    }
    return readHeader(files.get(0));
  }

  private List<String> readHeader(Path p) {
    byte[] line = firstLine(p);
    if (line == null) {
      throw new BadInputException(p + ": the file is empty but header: true expects a header line");
    }
    Fields f = new Fields(table.delimiterFor(p.getName()), table.charset());
    int n = f.split(line, 0, line.length);
    if (n < 0) {
      throw new BadInputException(p + ":1: unterminated quote in the header");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = f.string(i);
      int first = names.indexOf(name);
      if (first >= 0) {
        throw new BadInputException(p + ":1: the header names column '" + name + "' twice (columns " + (first + 1) + " and " + (i + 1)
            + "); rename one, or give the columns with header: false and names: [...]");
      }
      names.add(name);
    }
    return names;
  }

  /**
   * The first line of a file (decompressed, without byte order mark and line break), or null if the file is empty.
   *
   * @throws BadInputException if it does not look like text
   */
  private byte[] firstLine(Path p) {
    try (InputStream in = InputFiles.open(p)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int r;
      boolean ended = false;
      while (!ended && line.size() <= FIRST_LINE_LIMIT && (r = in.read(buf)) > 0) {
        int nl = 0;
        while (nl < r && buf[nl] != '\n') {
          nl++;
        }
        line.write(buf, 0, nl);
        ended = nl < r;
      }
      byte[] b = line.toByteArray();
      if (b.length == 0 && !ended) {
        return null;
      }
      if (!ended && b.length > FIRST_LINE_LIMIT) {
        throw binary(p, "no line break in its first " + (FIRST_LINE_LIMIT >> 20) + " MB");
      }
      int from = b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF ? 3 : 0;
      int to = b.length > from && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
      for (int i = from; i < to; i++) {
        if (b[i] == 0) {
          throw binary(p, "a NUL byte in its first line");
        }
      }
      if (!Fields.isValid(b, from, to, table.charset())) {
        throw binary(p, "bytes that are not " + table.charset().name() + " in its first line");
      }
      return Arrays.copyOfRange(b, from, to);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }

  private static BadInputException binary(Path p, String why) {
    return new BadInputException(p + " looks binary, not delimited text: " + why + ". Compressed files are read by their"
        + " extension (.gz, .bz2, .deflate, .snappy, ...) and gzip also by its content; other formats are not read.");
  }

  /**
   * How the timestamp column is read: as configured, or, for {@code auto}, decided once for the whole column from its
   * first {@value Timestamps#SAMPLE} values in the first file ({@link Timestamps#decide}).
   */
  public Timestamps.Decision timestamps(int column, String configured) {
    if (!configured.equals("auto")) {
      return new Timestamps.Decision(configured, "configured (timestamp_format: " + configured + ")");
    }
    Path p = files.get(0);
    int width = header().size();
    List<String> sample = new ArrayList<>();
    Fields f = new Fields(table.delimiterFor(p.getName()), table.charset());
    Records.Visitor collect = new Records.Visitor() {
      @Override
      public void record(Fields fields, int count, byte[] b, int from, int to, long line) {
        if (count == width && !(line == 1 && table.header()) && !fields.isBlank(column) && sample.size() < Timestamps.SAMPLE) {
          sample.add(fields.string(column));
        }
      }

      @Override
      public void malformed(RejectReason reason, String detail, byte[] b, int from, int to, long line) {}
    };
    try (InputStream in = InputFiles.open(p)) {
      LineChunks chunks = new LineChunks(in, 1 << 20);
      Records.Tail tail = null;
      LineChunks.Chunk c;
      while (sample.size() < Timestamps.SAMPLE && (c = chunks.next()) != null) {
        LineChunks.Chunk chunk = tail == null ? c : tail.join(c);
        tail = Records.walk(chunk.data(), 0, chunk.length(), chunk.firstLine(), false, f, width, collect);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
    Timestamps.Decision d = Timestamps.decide(sample);
    return new Timestamps.Decision(d.format(), "auto: " + d.reason() + " in " + p.getName());
  }

  /** Result of reading: the events, the files with their checksums, and the number of data rows seen. */
  public record Result(RawEvents events, List<InputFile> files, long rowsRead) {}

  /**
   * Reads every file of the log. Rows that cannot be used go to {@code bad} (which throws once there are more than
   * {@code max_bad_rows}); the rest become events.
   *
   * @throws BadInputException if a file is binary, its header differs from the first file's, or {@code bad} gives up
   * @throws UncheckedIOException if a file cannot be read
   */
  public Result read(Plan plan, BadRows bad, Progress progress) {
    Columns columns = new Columns(plan, header(), replaceInvalid);
    long totalBytes = 0;
    for (Path p : files) {
      try {
        totalBytes += Fs.length(p);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stat " + p, e);
      }
    }
    List<InputFile> inputs = new ArrayList<>();
    long rowsRead = 0;
    // The reading thread is busy too (I/O, checksums, cutting lines): one parser fewer than threads keeps every core
    // busy without oversubscribing; measured on 2 cores, 1 parser beat 2 by 20% (the id caches compete for L3).
    int parsers = Math.max(1, threads - 1);
    ExecutorService pool = Executors.newFixedThreadPool(parsers, r -> {
      Thread t = new Thread(r, "tandem-parse");
      t.setDaemon(true);
      return t;
    });
    try (Progress.Task task = progress.start("reading " + (files.size() == 1 ? files.get(0).getName() : files.size() + " files"), totalBytes, "B")) {
      for (Path p : files) {
        long fileRows = 0;
        CRC32C crc = new CRC32C();
        long modified;
        long bytes;
        try {
          var st = Fs.status(p);
          modified = st.getModificationTime();
          bytes = st.getLen();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot stat " + p, e);
        }
        if (table.header()) {
          List<String> h = readHeader(p);
          if (!h.equals(columns.header)) {
            throw new BadInputException(p + ":1: header " + h + " differs from the first file's " + columns.header);
          }
        } else {
          firstLine(p);
        }
        FileParser parser = new FileParser(p, columns);
        try (InputStream raw = Fs.open(p); InputStream in = InputFiles.decompress(p, new CrcStream(raw, crc, task))) {
          LineChunks chunks = new LineChunks(in, chunkBytes);
          Deque<Pending> inflight = new ArrayDeque<>();
          Records.Tail tail = null;
          LineChunks.Chunk c;
          while ((c = chunks.next()) != null) {
            final LineChunks.Chunk chunk = c;
            inflight.add(new Pending(chunk, pool.submit(() -> parser.parse(chunk, false))));
            while (inflight.size() > parsers * 2) {
              Parsed done = parsedAfter(tail, inflight.poll(), parser);
              fileRows += columns.accept(done, bad);
              tail = done.tail;
            }
          }
          while (!inflight.isEmpty()) {
            Parsed done = parsedAfter(tail, inflight.poll(), parser);
            fileRows += columns.accept(done, bad);
            tail = done.tail;
          }
          if (tail != null) { // a quote still open at the end of the file: only now is it known not to close
            fileRows += columns.accept(parser.parse(tail.join(null), true), bad);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + p, e);
        }
        rowsRead += fileRows;
        inputs.add(new InputFile(p.toString(), bytes, modified, String.format("%08x", crc.getValue()), fileRows));
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(columns.events(), inputs, rowsRead);
  }

  /** A chunk and its parse in progress. */
  private record Pending(LineChunks.Chunk chunk, Future<Parsed> parsed) {}

  /**
   * The parse of a chunk, given the record the previous chunk left open: then the chunk's first lines belong to that
   * record, and the chunk is parsed again, on this thread, from the record's start (rare: only malformed data leaves
   * a quote open at a chunk's end).
   */
  private static Parsed parsedAfter(Records.Tail tail, Pending pending, FileParser parser) {
    Parsed p;
    try {
      p = pending.parsed.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while parsing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
    return tail == null ? p : parser.parse(tail.join(pending.chunk), false);
  }

  /** One chunk's rows, column-wise, with its rejected rows in line order. */
  private static final class Parsed {
    int n;
    int rowsSeen;
    int[] user;
    int[] item;
    long[] ts;
    float[][] num;
    int[][] str;
    final List<RowError> errors = new ArrayList<>();
    /** A record still open at the chunk's end: not in this result. */
    Records.Tail tail;
  }

  /** What is extracted from every row, and where the rows of all files are gathered. */
  private static final class Columns {
    final Plan plan;
    final List<String> header;
    final int width;
    final boolean replaceInvalid;
    final String[] numericNames;
    final int[] numericCols;
    final boolean[] required;
    final boolean[] nonNegative;
    final String[] stringNames;
    final int[] stringCols;
    final StringDictionary users = new StringDictionary();
    final StringDictionary items = new StringDictionary();
    final StringDictionary[] dicts;
    final ThreadLocal<Caches> caches;
    final Buffers.Ints user = new Buffers.Ints(1 << 16);
    final Buffers.Ints item = new Buffers.Ints(1 << 16);
    final Buffers.Longs ts = new Buffers.Longs(1 << 16);
    final Buffers.Floats[] num;
    final Buffers.Ints[] str;

    Columns(Plan plan, List<String> header, boolean replaceInvalid) {
      this.plan = plan;
      this.header = header;
      this.width = header.size();
      this.replaceInvalid = replaceInvalid;
      numericNames = plan.numeric().keySet().toArray(new String[0]);
      numericCols = plan.numeric().values().stream().mapToInt(Integer::intValue).toArray();
      required = new boolean[numericNames.length];
      nonNegative = new boolean[numericNames.length];
      for (int i = 0; i < numericNames.length; i++) {
        required[i] = plan.required().contains(numericNames[i]);
        nonNegative[i] = plan.nonNegative().contains(numericNames[i]);
      }
      stringNames = plan.strings().keySet().toArray(new String[0]);
      stringCols = plan.strings().values().stream().mapToInt(Integer::intValue).toArray();
      dicts = new StringDictionary[stringNames.length];
      for (int i = 0; i < dicts.length; i++) {
        dicts[i] = new StringDictionary();
      }
      caches = ThreadLocal.withInitial(() -> new Caches(users, items, dicts, replaceInvalid));
      num = new Buffers.Floats[numericNames.length];
      for (int i = 0; i < num.length; i++) {
        num[i] = new Buffers.Floats(1 << 16);
      }
      str = new Buffers.Ints[stringNames.length];
      for (int i = 0; i < str.length; i++) {
        str[i] = new Buffers.Ints(1 << 16);
      }
    }

    /** Adds a chunk's rows (in file order); returns the number of rows it saw. */
    long accept(Parsed p, BadRows bad) {
      for (RowError err : p.errors) {
        bad.reject(err);
      }
      user.addAll(p.user, p.n);
      item.addAll(p.item, p.n);
      ts.addAll(p.ts, p.n);
      for (int i = 0; i < num.length; i++) {
        num[i].addAll(p.num[i], p.n);
      }
      for (int i = 0; i < str.length; i++) {
        str[i].addAll(p.str[i], p.n);
      }
      return p.rowsSeen;
    }

    RawEvents events() {
      Map<String, float[]> numeric = new LinkedHashMap<>();
      for (int i = 0; i < numericNames.length; i++) {
        numeric.put(numericNames[i], num[i].toArray());
      }
      Map<String, int[]> strings = new LinkedHashMap<>();
      Map<String, String[]> dictionaries = new LinkedHashMap<>();
      for (int i = 0; i < stringNames.length; i++) {
        strings.put(stringNames[i], str[i].toArray());
        dictionaries.put(stringNames[i], dicts[i].values());
      }
      return new RawEvents(user.size(), user.toArray(), item.toArray(), ts.toArray(), users.values(), items.values(),
          numeric, strings, dictionaries);
    }
  }

  /** Per parser thread: byte-slice caches in front of the shared dictionaries. */
  private static final class Caches {
    final SliceCodes users;
    final SliceCodes items;
    final SliceCodes[] strings;

    Caches(StringDictionary users, StringDictionary items, StringDictionary[] dicts, boolean replaceInvalid) {
      this.users = new SliceCodes(users, true, replaceInvalid);
      this.items = new SliceCodes(items, true, replaceInvalid);
      this.strings = new SliceCodes[dicts.length];
      for (int i = 0; i < dicts.length; i++) {
        strings[i] = new SliceCodes(dicts[i], false, replaceInvalid);
      }
    }
  }

  /** Parses the chunks of one file. Thread-safe: each call has its own state. */
  private final class FileParser {
    final String file;
    final char delimiter;
    final Charset charset;
    final Columns cols;

    FileParser(Path p, Columns cols) {
      this.file = p.toString();
      this.delimiter = table.delimiterFor(p.getName());
      this.charset = table.charset();
      this.cols = cols;
    }

    /** @param last true if nothing follows the chunk in the file */
    Parsed parse(LineChunks.Chunk c, boolean last) {
      Fields f = new Fields(delimiter, charset);
      Caches caches = cols.caches.get();
      int cap = c.lines();
      Parsed out = new Parsed();
      out.user = new int[cap];
      out.item = new int[cap];
      out.ts = new long[cap];
      out.num = new float[cols.numericCols.length][cap];
      out.str = new int[cols.stringCols.length][cap];
      boolean header = table.header();
      out.tail = Records.walk(c.data(), 0, c.length(), c.firstLine(), last, f, cols.width, new Records.Visitor() {
        @Override
        public void record(Fields fields, int count, byte[] b, int from, int to, long line) {
          if (line == 1 && header) {
            return;
          }
          out.rowsSeen++;
          Rejection why = row(fields, count, caches, out);
          if (why != null) {
            out.errors.add(why.at(file, line, b, from, to, charset));
          }
        }

        @Override
        public void malformed(RejectReason reason, String detail, byte[] b, int from, int to, long line) {
          out.rowsSeen++;
          out.errors.add(new RowError(file, line, reason, detail, Fields.snippet(b, from, to, charset)));
        }
      });
      return out;
    }

    /** Extracts one row into {@code out}; returns null, or why it cannot be used. */
    private Rejection row(Fields f, int count, Caches caches, Parsed out) {
      Plan plan = cols.plan;
      if (count != cols.width) {
        return error(RejectReason.WRONG_COLUMN_COUNT, "expected " + cols.width + " columns, found " + count);
      }
      int uc = plan.userColumn();
      int ic = plan.itemColumn();
      boolean noUser = f.trimmedStart(uc) == f.trimmedEnd(uc);
      if (noUser || f.trimmedStart(ic) == f.trimmedEnd(ic)) {
        return error(RejectReason.MISSING_ID, (noUser ? "user id" : "item id") + " is empty");
      }
      int tc = plan.timestampColumn();
      String format = plan.timestamps().format();
      long t = Timestamps.parse(f, tc, format);
      if (t == Timestamps.INVALID) {
        return error(RejectReason.BAD_TIMESTAMP, "cannot parse timestamp '" + f.string(tc) + "' as " + format
            + " (" + plan.timestamps().reason() + ")");
      }
      if (t < plan.earliest() || t > plan.latest()) {
        return error(RejectReason.BAD_TIMESTAMP, "timestamp '" + f.string(tc) + "' read as " + format + " is "
            + Timestamps.describe(t) + ", outside dataset.timestamp_range [" + Timestamps.describe(plan.earliest()) + ", "
            + Timestamps.describe(plan.latest()) + "]");
      }
      int k = out.n;
      for (int i = 0; i < cols.numericCols.length; i++) {
        int col = cols.numericCols[i];
        double v;
        try {
          v = f.number(col);
        } catch (NumberFormatException e) {
          return error(RejectReason.UNPARSABLE_NUMBER, "column '" + cols.numericNames[i] + "' value '" + f.string(col) + "' is not a number");
        }
        float fv = (float) v;
        if (Double.isNaN(v) && f.isBlank(col)) {
          if (cols.required[i]) {
            return error(RejectReason.MISSING_VALUE, "column '" + cols.numericNames[i] + "' is empty but needed for the label or weight");
          }
        } else if (!Float.isFinite(fv)) {
          return error(RejectReason.NON_FINITE_NUMBER, "column '" + cols.numericNames[i] + "' value '" + f.string(col) + "' is "
              + (Double.isFinite(v) ? "too large for a 32-bit float" : "not a finite number"));
        }
        if (v < 0 && cols.nonNegative[i]) {
          return error(RejectReason.NEGATIVE_WEIGHT, "weight column '" + cols.numericNames[i] + "' is negative (" + v + ")");
        }
        out.num[i][k] = fv;
      }
      int u = caches.users.code(f, uc);
      if (u < 0) {
        return idError("user id", u, f, uc);
      }
      int it = caches.items.code(f, ic);
      if (it < 0) {
        return idError("item id", it, f, ic);
      }
      for (int i = 0; i < cols.stringCols.length; i++) {
        int code = caches.strings[i].code(f, cols.stringCols[i]);
        if (code == SliceCodes.INVALID_ENCODING) {
          return error(RejectReason.INVALID_ENCODING, "column '" + cols.stringNames[i] + "' " + invalidBytes());
        }
        out.str[i][k] = code;
      }
      out.user[k] = u;
      out.item[k] = it;
      out.ts[k] = t;
      out.n++;
      return null;
    }

    private Rejection idError(String what, int code, Fields f, int col) {
      return switch (code) {
        case SliceCodes.INVALID_ENCODING -> error(RejectReason.INVALID_ENCODING, what + " " + invalidBytes());
        case SliceCodes.CONTROL_CHARACTER -> error(RejectReason.INVALID_ID, what + " '" + Fields.printable(f.string(col)) + "' holds a control character");
        default -> error(RejectReason.MISSING_ID, what + " is only whitespace");
      };
    }

    private String invalidBytes() {
      return "holds bytes that are not valid " + charset.name() + " (dataset.source.invalid_encoding: replace keeps such rows,"
          + " with U+FFFD in their place)";
    }
  }

  private static Rejection error(RejectReason reason, String detail) {
    return new Rejection(reason, detail);
  }

  /** Checksums the raw bytes as they stream past and reports progress. */
  private static final class CrcStream extends FilterInputStream {
    private final CRC32C crc;
    private final Progress.Task task;

    CrcStream(InputStream in, CRC32C crc, Progress.Task task) {
      super(in);
      this.crc = crc;
      this.task = task;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        crc.update(b);
        task.advance(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int r = super.read(b, off, len);
      if (r > 0) {
        crc.update(b, off, r);
        task.advance(r);
      }
      return r;
    }
  }
}
