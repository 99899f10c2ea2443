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
  private static final Pattern SEGMENT = Pattern.compile("events-[0-9]{13}-[0-9a-f]{8}\\.jsonl");

  private final Path dir;
  private final List<Path> older;
  private final Path segment;
  private final FSDataOutputStream out;
  private final Object writeLock = new Object();
  private final Object syncLock = new Object();
  private long written; // lines written, under writeLock
  private long synced; // lines synced, under syncLock
  private long syncs;
  private long syncNanos;
  private boolean closed;
  private IOException failure; // once a write or sync failed, the segment's tail is unknown: nothing more is acknowledged

  private EventLog(Path dir, List<Path> older, Path segment, FSDataOutputStream out) {
    this.dir = dir;
    this.older = older;
    this.segment = segment;
    this.out = out;
  }

  /**
   * Opens the log in {@code dir} (created if missing): finds the segments earlier servers wrote and starts a new one.
   *
   * @throws IOException if the directory cannot be listed or the new segment cannot be created
   */
  public static EventLog open(Path dir) throws IOException {
    Fs.mkdirs(dir);
    List<Path> older = new ArrayList<>();
    for (FileStatus st : Fs.list(dir)) {
      if (st.isFile() && SEGMENT.matcher(st.getPath().getName()).matches()) {
        older.add(st.getPath());
      }
    }
    older.sort(null); // names start with the start time: the order the servers started in
    Path segment;
    do {
      segment = new Path(dir, String.format("events-%013d-%08x.jsonl", System.currentTimeMillis(), ThreadLocalRandom.current().nextInt()));
    } while (Fs.exists(segment));
    FSDataOutputStream out = Fs.create(segment);
    out.hsync(); // the segment exists durably before the first event is acknowledged into it
    LOG.info("events log {}: {} earlier segment(s), writing {}", Fs.shown(dir), older.size(), segment.getName());
    return new EventLog(dir, List.copyOf(older), segment, out);
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
    long lines = 0;
    long torn = 0;
    for (Path p : older) {
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
        if (line.isBlank()) {
          continue;
        }
        String where = Fs.shown(p) + ":" + lineNo;
        try {
          consumer.accept(line, where);
        } catch (IllegalArgumentException e) {
          throw new CorruptDataException(where, "is not a valid event: " + e.getMessage(), e);
        }
        lines++;
      }
      if (start < bytes.length) {
        torn++;
        LOG.warn("{}:{}: skipped a torn last line of {} bytes (written when the server stopped, never acknowledged)", Fs.shown(p),
            lineNo + 1, bytes.length - start);
      }
    }
    return new Replayed(lines, older.size(), torn);
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
    }
  }

  private void usable() throws IOException {
    if (closed) {
      throw new IOException("the events log " + Fs.shown(segment) + " is closed");
    }
    if (failure != null) {
      throw new IOException("the events log " + Fs.shown(segment) + " failed earlier (" + failure.getMessage() + "); restart the server",
          failure);
    }
  }

  /** The directory of the log. */
  public Path dir() {
    return dir;
  }

  /** The segment this process writes. */
  public Path segment() {
    return segment;
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
