package dev.tandem.trainer.tune.sweep;

import dev.tandem.format.Persisted;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A sweep directory, on any Hadoop file system:
 *
 * <pre>
 *   sweep.yaml            the sweep definition as first run (base path made absolute)
 *   state.json            the sweep's state: every trial's status, parameters, values (SweepState)
 *   lock.json             held by the process running the sweep (host, pid, heartbeat)
 *   trials/NNNN/run/      a trial's training run (job.yaml, checkpoints, metrics.jsonl, curves.png, eval.json)
 *   trials/NNNN/train.log its processes' output
 *   report/               leaderboard.csv, leaderboard.json, leaderboard.html (tandem sweep report)
 * </pre>
 *
 * Every file is written atomically through {@link Fs}. Of the two JSON files, an unreadable {@code state.json} is an
 * error naming it (it is the only record of the trials: guessing would run them again), while an unreadable
 * {@code lock.json} counts as no lock and is taken over (it only says who runs the sweep; a torn or foreign one must
 * not keep anyone from continuing it).
 */
public final class TrialStore {
  private static final Logger LOG = LogManager.getLogger(TrialStore.class);
  private final Path root;

  public TrialStore(Path root) {
    this.root = root;
  }

  /** The sweep directory at a path or any Hadoop URI. */
  public static TrialStore at(String location) {
    return new TrialStore(Fs.path(location));
  }

  /** The sweep directory itself. */
  public Path root() {
    return root;
  }

  /** {@code state.json}. */
  public Path state() {
    return new Path(root, "state.json");
  }

  /** {@code sweep.yaml}: the definition the sweep was started with. */
  public Path definition() {
    return new Path(root, "sweep.yaml");
  }

  /** {@code lock.json}. */
  public Path lock() {
    return new Path(root, "lock.json");
  }

  /** The run directory of a trial. */
  public Path trialRun(String id) {
    return new Path(root, "trials/" + id + "/run");
  }

  /** The output of a trial's processes, over all its attempts. */
  public Path trialLog(String id) {
    return new Path(root, "trials/" + id + "/train.log");
  }

  /** Where {@code tandem sweep report} writes by default. */
  public Path reportDir() {
    return new Path(root, "report");
  }

  /** Whether the sweep directory is on the local file system (then trial processes write their logs straight into it). */
  public boolean isLocal() {
    String scheme = root.toUri().getScheme();
    return scheme == null || scheme.equals("file");
  }

  /** A local path as a java.io.File (only for {@link #isLocal()} stores). */
  public static File file(Path p) {
    return new File(p.toUri().getPath());
  }

  /**
   * The sweep's state, if it has started.
   *
   * @throws CorruptDataException naming the file when state.json is there but does not read as a sweep's state (or a
   *     newer Tandem wrote it in a format this one does not know)
   * @throws UncheckedIOException when it cannot be read
   */
  public Optional<SweepState> read() {
    return readIfPresent(state(), SweepState.class, SweepState.FORMAT, IfUnreadable.FAIL);
  }

  /**
   * The sweep's state; a missing one is a user error naming the directory.
   *
   * @throws IllegalArgumentException when the directory holds no sweep
   */
  public SweepState readRequired() {
    return read().orElseThrow(() -> new IllegalArgumentException("no sweep at " + root + " (state.json is missing)"));
  }

  /** What reading a JSON file of the sweep directory does when the file is there but cannot be read or parsed. */
  private enum IfUnreadable {
    /** the error propagates, naming the file */
    FAIL,
    /** the file counts as absent (with a warning) */
    ABSENT
  }

  /** A JSON file of the sweep directory, or empty when there is none. */
  private static <T> Optional<T> readIfPresent(Path file, Class<T> type, int format, IfUnreadable ifUnreadable) {
    try {
      return Optional.of(Persisted.read(Fs.readAll(file), type, format, file.toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException | CorruptDataException e) {
      if (ifUnreadable == IfUnreadable.ABSENT) {
        LOG.warn("unreadable {} ({}): counted as absent", file, e.toString());
        return Optional.empty();
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot read " + file, io);
      }
      throw (CorruptDataException) e;
    }
  }

  /**
   * Writes state.json (atomically: readers see the old file or the new one).
   *
   * @throws UncheckedIOException when it cannot be written
   */
  public void write(SweepState s) {
    writeBytes(state(), Persisted.write(s, SweepState.FORMAT));
  }

  /** Writes a UTF-8 file atomically; {@link UncheckedIOException} when it cannot. */
  public void writeString(Path p, String s) {
    writeBytes(p, s.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a file atomically; {@link UncheckedIOException} when it cannot. */
  public void writeBytes(Path p, byte[] b) {
    try {
      Fs.writeAtomically(p, b);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p, e);
    }
  }

  /** This host's name, for lock files and trial records. */
  public static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /**
   * The lease of the process running a sweep: {@code lock.json} with its host, pid and a heartbeat refreshed while it
   * runs. A second process is refused while the holder is alive; a lock left by a dead process (same host, pid gone)
   * or a heartbeat older than {@link #STALE} (another host) is taken over, so a crashed sweep can simply be re-run.
   */
  public final class Lease implements AutoCloseable {
    private Instant lastBeat = Instant.EPOCH;

    Lease() {}

    /** Refreshes the heartbeat (at most every few seconds). */
    public void beat() {
      if (Duration.between(lastBeat, Instant.now()).compareTo(Duration.ofSeconds(10)) >= 0) {
        writeBytes(lock(), Persisted.write(new LockInfo(host(), ProcessHandle.current().pid(), Instant.now().toString()), LockInfo.FORMAT));
        lastBeat = Instant.now();
      }
    }

    @Override
    public void close() {
      try {
        Optional<LockInfo> held = readLock();
        if (held.isPresent() && held.get().pid() == ProcessHandle.current().pid() && held.get().host().equals(host())) {
          Fs.delete(lock());
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not release {}: {}", lock(), e.toString());
      }
    }
  }

  /** Heartbeats older than this mark a lock of another host as abandoned. */
  public static final Duration STALE = Duration.ofMinutes(2);

  /** What lock.json holds; a lock without a host or with a heartbeat that is not a time does not read. */
  public record LockInfo(String host, long pid, String heartbeat) {
    /** The version of {@code lock.json}'s format (see {@link Persisted}). */
    public static final int FORMAT = 1;

    public LockInfo {
      if (host == null) {
        throw new IllegalArgumentException("a lock names its host");
      }
      // a heartbeat that is no time makes the file unreadable, so the lock is taken over rather than acquire() failing
      Instant.parse(heartbeat);
    }
  }

  /** The lease's holder, if any; an unreadable lock.json counts as none, so that it is taken over. */
  private Optional<LockInfo> readLock() {
    return readIfPresent(lock(), LockInfo.class, LockInfo.FORMAT, IfUnreadable.ABSENT);
  }

  /**
   * Takes the sweep's lease.
   *
   * @return the lease; the caller closes it (which removes lock.json if it is still this process's)
   * @throws IllegalStateException naming the holder when a live process holds it
   */
  public Lease acquire() {
    Optional<LockInfo> held = readLock();
    if (held.isPresent()) {
      LockInfo l = held.get();
      boolean sameHost = l.host().equals(host());
      boolean alive;
      if (sameHost) {
        alive = l.pid() != ProcessHandle.current().pid() && ProcessHandle.of(l.pid()).map(ProcessHandle::isAlive).orElse(false);
      } else {
        Instant beat = Instant.parse(l.heartbeat());
        alive = Duration.between(beat, Instant.now()).compareTo(STALE) < 0;
      }
      if (alive) {
        throw new IllegalStateException("the sweep in " + root + " is being run by process " + l.pid() + " on " + l.host()
            + " (lock.json); wait for it or stop it first");
      }
      LOG.info("taking over the lock of {} left by process {} on {} (no longer running)", root, l.pid(), l.host());
    }
    Lease lease = new Lease();
    lease.beat();
    return lease;
  }
}
