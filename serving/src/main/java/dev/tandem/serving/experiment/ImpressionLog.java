package dev.tandem.serving.experiment;

import dev.tandem.fs.Fs;
import dev.tandem.serving.history.EventLog;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Records that must reach a log, batched: {@link #append} hands a line to a writer thread, which writes lines in
 * batches to an {@link EventLog} (rolling segments on any Hadoop file system) and syncs each batch ({@code hsync}). A
 * record counts as written ({@link Counts#written()}) once its batch is synced.
 *
 * <p><b>What a crash loses.</b> At most {@code batch} records are ever taken but not yet synced: an append that would
 * make it more waits until the writer has synced (back-pressure), so a process killed with SIGKILL loses at most the
 * last {@code batch} records it took. The writer starts a sync when half a batch is waiting or {@code flushMillis} after
 * the oldest waiting record, so appends rarely wait. With {@code batch} 1, every record is synced before the next is
 * taken.
 *
 * <p><b>Failures.</b> If the log cannot be written, the records of the failed batch and every later one are dropped and
 * counted ({@link Counts#dropped()}) and the failure is logged once: serving goes on without the log.
 *
 * <p>Thread-safe. Whoever opens it closes it; {@link #close()} syncs what is waiting first.
 */
public final class ImpressionLog implements Closeable {
  private static final Logger LOG = LogManager.getLogger(ImpressionLog.class);

  private final EventLog log;
  private final int batch;
  private final long flushNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition room = lock.newCondition();
  private final Thread writer;
  private List<String> waiting = new ArrayList<>(); // under lock
  private long waitingSince; // System.nanoTime() of the oldest waiting record, under lock
  private long unsynced; // taken but not synced (waiting + being written), under lock
  private long written; // synced, under lock
  private long dropped; // under lock
  private long waits; // appends that waited for room, under lock
  private boolean closing; // under lock
  private IOException failure; // under lock

  /** Written, dropped and waiting records, and appends that had to wait for a sync. */
  public record Counts(long written, long dropped, long unsynced, long waits, long syncs, double syncSeconds, int rolls) {}

  private ImpressionLog(EventLog log, int batch, long flushMillis) {
    this.log = log;
    this.batch = batch;
    this.flushNanos = TimeUnit.MILLISECONDS.toNanos(flushMillis);
    this.writer = new Thread(this::writeLoop, "tandem-" + log.segment().getName().split("-")[0] + "-writer");
    writer.setDaemon(true);
  }

  /**
   * Opens a log in {@code dir} with {@code layout} and starts its writer.
   *
   * @param batch       records synced together, and the most a crash loses
   * @param flushMillis how long a partial batch may wait for its sync
   * @throws IOException if the log cannot be opened
   */
  public static ImpressionLog open(Path dir, EventLog.Layout layout, int batch, long flushMillis) throws IOException {
    if (batch < 1 || flushMillis < 1) {
      throw new IllegalArgumentException("batch and flush interval must be positive, were " + batch + " and " + flushMillis + " ms");
    }
    ImpressionLog l = new ImpressionLog(EventLog.open(dir, layout), batch, flushMillis);
    l.writer.start();
    return l;
  }

  /**
   * Takes one record (a line without a newline) for the next batch. Returns at once unless {@code batch} records are
   * already waiting for their sync; then waits for it. After a failure of the log, or once closed, the record is dropped
   * and counted.
   */
  public void append(String line) {
    lock.lock();
    try {
      boolean waited = false;
      while (unsynced >= batch && failure == null && !closing) {
        waited = true;
        room.awaitUninterruptibly();
      }
      if (waited) {
        waits++;
      }
      if (failure != null || closing) {
        dropped++;
        return;
      }
      if (waiting.isEmpty()) {
        waitingSince = System.nanoTime();
      }
      waiting.add(line);
      unsynced++;
      if (waiting.size() >= Math.max(1, batch / 2)) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  private void writeLoop() {
    while (true) {
      List<String> take;
      lock.lock();
      try {
        while (!closing && (waiting.isEmpty() || waiting.size() < Math.max(1, batch / 2)
            && System.nanoTime() - waitingSince < flushNanos)) {
          long left = waiting.isEmpty() ? flushNanos : flushNanos - (System.nanoTime() - waitingSince);
          work.awaitNanos(Math.max(1, left));
        }
        if (waiting.isEmpty() && closing) {
          return;
        }
        take = waiting;
        waiting = new ArrayList<>(Math.max(16, batch));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        lock.unlock();
      }
      IOException failed = null;
      try {
        log.append(take);
      } catch (IOException | RuntimeException e) {
        failed = e instanceof IOException io ? io : new IOException(e);
      }
      lock.lock();
      try {
        unsynced -= take.size();
        if (failed == null) {
          written += take.size();
        } else {
          LOG.error("the log {} cannot be written: {} record(s) dropped, and every later one will be", Fs.shown(log.dir()),
              take.size() + waiting.size(), failed);
          failure = failed;
          dropped += take.size() + waiting.size();
          unsynced -= waiting.size();
          waiting.clear();
        }
        room.signalAll();
        if (failure != null) {
          return;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** What happened to the records so far. */
  public Counts counts() {
    long[] s = log.syncStats();
    lock.lock();
    try {
      return new Counts(written, dropped, unsynced, waits, s[0], s[1] / 1e9, log.rolls());
    } finally {
      lock.unlock();
    }
  }

  /** The log's directory. */
  public Path dir() {
    return log.dir();
  }

  /** The segment being written now. */
  public Path segment() {
    return log.segment();
  }

  /** Syncs every waiting record, stops the writer and closes the log. Appends after this are dropped and counted. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
      work.signalAll();
      room.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
