package dev.tandem.serving.history;

import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The write-ahead log of the events a server acknowledged, in a directory on any Hadoop file system. Each server start
 * writes a segment of its own ({@code events-<start millis>-<random>.jsonl}, one JSON event per line) and never appends
 * to an older one: a segment left open by a killed process needs no lease recovery (HDFS) and no repair, and several
 * replicas may log into one directory. {@link #replay} reads every older segment in the order the servers started.
 *
 * <p>The same log keeps other records a server must not lose, in a {@link Layout} of their own: a file name prefix and
 * extension, an optional header line at the top of every segment (a CSV header, so the segments are files other
 * readers take as they are), and rolling: once a segment holds {@link Layout#rollBytes()} bytes or is
 * {@link Layout#rollMillis()} old, the next append after a sync starts a new segment (the impressions and feedback of
 * an A/B experiment, see {@code dev.tandem.serving.experiment}). {@link #readAll} reads every segment of a directory,
 * the one being written included.
 *
 * <p><b>Durability.</b> {@link #append} returns only once the lines are written and synced ({@code hsync}: on HDFS the
 * data nodes have it on disk; locally, {@code fsync}). Concurrent appends are committed together: while one thread
 * syncs, the others write their lines, and the next sync covers all of them (group commit), so a sync is shared by
 * every request that arrived during the previous one. A line is only ever acknowledged whole, so the one thing a crash
 * can leave is a torn last line of a segment, which replay skips (and counts); a malformed line anywhere else is
 * damage, reported with its file and line.
 *
 * <p>Thread-safe. Whoever opens a log closes it.
 */
public final class EventLog implements Closeable {
  private static final Logger LOG = LogManager.getLogger(EventLog.class);

  /**
   * How a log names, starts and rolls its segments.
   *
   * @param prefix     the segments' file name prefix ({@code PREFIX-<millis>-<random>.EXTENSION})
   * @param extension  the file name extension
   * @param header     a line written at the top of every segment (and skipped by readers), or null
   * @param rollBytes  a segment that has reached this size is closed and a new one started (Long.MAX_VALUE: never)
   * @param rollMillis a segment this old is closed and a new one started (Long.MAX_VALUE: never)
   */
  public record Layout(String prefix, String extension, String header, long rollBytes, long rollMillis) {
    public Layout {
      if (prefix == null || !prefix.matches("[a-z][a-z0-9_]*") || extension == null || !extension.matches("[a-z]+")) {
        throw new IllegalArgumentException("a log's prefix and extension are lower-case words, were " + prefix + ", " + extension);
      }
      if (header != null && header.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a header is one line");
      }
      if (rollBytes < 1 || rollMillis < 1) {
        throw new IllegalArgumentException("roll sizes must be positive, were " + rollBytes + " bytes and " + rollMillis + " ms");
      }
    }

    /** The events log of {@code POST /events}: JSON lines, no header, one segment per server start. */
    public static final Layout EVENTS = new Layout("events", "jsonl", null, Long.MAX_VALUE, Long.MAX_VALUE);

    Pattern pattern() {
      return Pattern.compile(Pattern.quote(prefix) + "-[0-9]{13}-[0-9a-f]{8}\\." + Pattern.quote(extension));
    }

    /** Whether {@code name} is the file name of one of this layout's segments. */
    public boolean isSegment(String name) {
      return pattern().matcher(name).matches();
    }
  }

  private final Path dir;
  private final Layout layout;
  private final List<Path> older;
  private Path segment; // under writeLock
  private FSDataOutputStream out; // under writeLock
  private long segmentStart; // System.currentTimeMillis() when the segment was started, under writeLock
  private long segmentMillis; // the millis in its name, under writeLock
  private int rolls;
  private final Object writeLock = new Object();
  private final Object syncLock = new Object();
  private long written; // lines written, under writeLock
  private long synced; // lines synced, under syncLock
  private long syncs;
  private long syncNanos;
  private boolean closed;
  private IOException failure; // once a write or sync failed, the segment's tail is unknown: nothing more is acknowledged

  private EventLog(Path dir, Layout layout, List<Path> older) {
    this.dir = dir;
    this.layout = layout;
    this.older = older;
  }

  /**
   * Opens the log in {@code dir} (created if missing): finds the segments earlier servers wrote and starts a new one.
   *
   * @throws IOException if the directory cannot be listed or the new segment cannot be created
   */
  public static EventLog open(Path dir) throws IOException {
    return open(dir, Layout.EVENTS);
  }

  /**
   * Opens a log of another {@link Layout} in {@code dir} (created if missing) and starts a new segment.
   *
   * @throws IOException if the directory cannot be listed or the new segment cannot be created
   */
  public static EventLog open(Path dir, Layout layout) throws IOException {
    Fs.mkdirs(dir);
    List<Path> older = segments(dir, layout);
    EventLog log = new EventLog(dir, layout, List.copyOf(older));
    synchronized (log.writeLock) {
      log.startSegment(0);
    }
    LOG.info("{} log {}: {} earlier segment(s), writing {}", layout.prefix(), Fs.shown(dir), older.size(), log.segment.getName());
    return log;
  }

  /** The segments of {@code layout} in {@code dir}, in the order they were started (their names start with the time). */
  public static List<Path> segments(Path dir, Layout layout) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Fs.exists(dir)) {
      return out;
    }
    Pattern p = layout.pattern();
    for (FileStatus st : Fs.list(dir)) {
      if (st.isFile() && p.matcher(st.getPath().getName()).matches()) {
        out.add(st.getPath());
      }
    }
    out.sort(null);
    return out;
  }

  /** Starts a new segment named after a time later than {@code after} (so a roll sorts after what it rolled). */
  private void startSegment(long after) throws IOException {
    long millis = Math.max(System.currentTimeMillis(), after + 1);
    Path next;
    do {
      next = new Path(dir, String.format("%s-%013d-%08x.%s", layout.prefix(), millis, ThreadLocalRandom.current().nextInt(),
          layout.extension()));
    } while (Fs.exists(next));
    FSDataOutputStream o = Fs.create(next);
    if (layout.header() != null) {
      o.write((layout.header() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    o.hsync(); // the segment (and its header) exists durably before the first record is acknowledged into it
    segment = next;
    out = o;
    segmentMillis = millis;
    segmentStart = System.currentTimeMillis();
  }

  /** What {@link #replay} found. */
  public record Replayed(long lines, int segments, long tornLines) {}

  /** Receives each logged line in order. */
  @FunctionalInterface
  public interface LineConsumer {
    /**
     * @param where the segment and line number, for messages
     * @throws IllegalArgumentException if the line is not a valid event: replay stops with {@link CorruptDataException}
     */
    void accept(String line, String where);
  }

  /**
   * Hands every line of the earlier segments to {@code consumer}, segment by segment in start order. A last line
   * without its newline (a crash while it was written, hence never acknowledged) is skipped and counted.
   *
   * @throws CorruptDataException naming the segment and line if the consumer refuses a line
   * @throws IOException if a segment cannot be read
   */
  public Replayed replay(LineConsumer consumer) throws IOException {
    return read(older, layout, consumer);
  }

  /**
   * Hands every line of every segment of {@code layout} in {@code dir} to {@code consumer}, segment by segment in start
   * order, the segments still being written included (up to what their writers flushed); header lines are skipped. A
   * last line without its newline (being written, or cut short by a crash) is skipped and counted.
   *
   * @throws CorruptDataException naming the segment and line if the consumer refuses a line
   * @throws IOException if a segment cannot be read
   */
  public static Replayed readAll(Path dir, Layout layout, LineConsumer consumer) throws IOException {
    return read(segments(dir, layout), layout, consumer);
  }

  private static Replayed read(List<Path> segments, Layout layout, LineConsumer consumer) throws IOException {
    long lines = 0;
    long torn = 0;
    for (Path p : segments) {
      byte[] bytes;
      try (InputStream in = Fs.open(p)) {
        bytes = in.readAllBytes(); // an unclosed HDFS file reads up to its last hflush
      }
      int start = 0;
      int lineNo = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] != '\n') {
          continue;
        }
        lineNo++;
        String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
        start = i + 1;
        if (line.isBlank() || lineNo == 1 && layout.header() != null && line.equals(layout.header())) {
          continue;
        }
        String where = Fs.shown(p) + ":" + lineNo;
        try {
          consumer.accept(line, where);
        } catch (IllegalArgumentException e) {
          throw new CorruptDataException(where, "is not a valid " + (layout == Layout.EVENTS ? "event" : "record") + ": " + e.getMessage(), e);
        }
        lines++;
      }
      if (start < bytes.length) {
        torn++;
        LOG.warn("{}:{}: skipped a torn last line of {} bytes (being written, or cut short when its writer stopped; never acknowledged)",
            Fs.shown(p), lineNo + 1, bytes.length - start);
      }
    }
    return new Replayed(lines, segments.size(), torn);
  }

  /**
   * Appends lines (each one JSON event, without a newline) and returns once they are durable.
   *
   * @throws IOException if writing or syncing fails: the lines must then be taken as not logged
   */
  public void append(List<String> lines) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(lines.size() * 96);
    for (String l : lines) {
      if (l.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a logged line holds a newline");
      }
      buf.writeBytes(l.getBytes(StandardCharsets.UTF_8));
      buf.write('\n');
    }
    long mine;
    synchronized (writeLock) {
      usable();
      try {
        buf.writeTo(out);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      written += lines.size();
      mine = written;
    }
    synchronized (syncLock) {
      if (synced >= mine) {
        return; // another thread's sync covered these lines
      }
      long upTo;
      long t0 = System.nanoTime();
      synchronized (writeLock) { // writers wait for the sync, then share the next one
        usable();
        upTo = written;
        try {
          out.hsync();
        } catch (IOException e) {
          failure = e;
          throw e;
        }
      }
      syncNanos += System.nanoTime() - t0;
      syncs++;
      synced = upTo;
      rollIfDue();
    }
  }

  /** After a sync (under syncLock): starts a new segment if this one is full or old enough. */
  private void rollIfDue() throws IOException {
    if (layout.rollBytes() == Long.MAX_VALUE && layout.rollMillis() == Long.MAX_VALUE) {
      return;
    }
    synchronized (writeLock) {
      if (closed || failure != null) {
        return;
      }
      if (out.getPos() < layout.rollBytes() && System.currentTimeMillis() - segmentStart < layout.rollMillis()) {
        return;
      }
      if (written > synced) {
        return; // lines written since the sync are in this segment: they must be synced before it is closed
      }
      try {
        out.close();
        startSegment(segmentMillis);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      rolls++;
    }
  }

  private void usable() throws IOException {
    if (closed) {
      throw new IOException("the " + layout.prefix() + " log " + Fs.shown(segment) + " is closed");
    }
    if (failure != null) {
      throw new IOException("the " + layout.prefix() + " log " + Fs.shown(segment) + " failed earlier (" + failure.getMessage() + "); restart the server",
          failure);
    }
  }

  /** The directory of the log. */
  public Path dir() {
    return dir;
  }

  /** The segment this process writes now. */
  public Path segment() {
    synchronized (writeLock) {
      return segment;
    }
  }

  /** Segments closed and replaced by a new one so far (see {@link Layout}). */
  public int rolls() {
    synchronized (writeLock) {
      return rolls;
    }
  }

  /** Syncs so far, and their total time in nanoseconds (group commit makes syncs fewer than appends). */
  public long[] syncStats() {
    synchronized (syncLock) {
      return new long[] {syncs, syncNanos};
    }
  }

  /** Closes this process's segment. Appends after this fail. */
  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      out.close();
    }
  }
}
