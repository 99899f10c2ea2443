package dev.tandem.trainer.tune.sweep;

import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
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
 *   base-job.yaml         the base job with the sweep's fixed overrides: what every trial starts from
 *   state.json            the sweep's state: every trial's status, parameters, values (SweepState)
 *   lock.json             held by the process running the sweep (host, pid, heartbeat)
 *   trials/NNNN/job.yaml  the trial's resolved job (base + overrides, paths absolute)
 *   trials/NNNN/run/      its training run (checkpoints, metrics.jsonl, curves.png, eval.json)
 *   trials/NNNN/train.log its processes' output
 *   report/               leaderboard.csv, leaderboard.json, leaderboard.html (tandem sweep report)
 * </pre>
 *
 * Every file is written atomically through {@link Fs}.
 */
public final class TrialStore {
  private static final Logger LOG = LogManager.getLogger(TrialStore.class);
  private final Path root;

  public TrialStore(Path root) {
    this.root = root;
  }

  public static TrialStore at(String location) {
    return new TrialStore(Fs.path(location));
  }

  public Path root() {
    return root;
  }

  public Path state() {
    return new Path(root, "state.json");
  }

  public Path definition() {
    return new Path(root, "sweep.yaml");
  }

  public Path baseJob() {
    return new Path(root, "base-job.yaml");
  }

  public Path lock() {
    return new Path(root, "lock.json");
  }

  public Path trialDir(String id) {
    return new Path(root, "trials/" + id);
  }

  public Path trialJob(String id) {
    return new Path(trialDir(id), "job.yaml");
  }

  public Path trialRun(String id) {
    return new Path(trialDir(id), "run");
  }

  public Path trialLog(String id) {
    return new Path(trialDir(id), "train.log");
  }

  public Path reportDir() {
    return new Path(root, "report");
  }

  /** Whether the sweep directory is on the local file system (then trial processes write their logs straight into it). */
  public boolean isLocal() {
    String scheme = root.toUri().getScheme();
    return scheme == null || scheme.equals("file");
  }

  /** A local path as a java.io.File (only for {@link #isLocal()} stores). */
  public static java.io.File file(Path p) {
    return new java.io.File(p.toUri().getPath());
  }

  public boolean exists() {
    return Fs.exists(state());
  }

  /** The sweep's state, if it has started. */
  public Optional<SweepState> read() {
    try {
      return Optional.of(Persisted.read(Fs.readAll(state()), SweepState.class, SweepState.FORMAT, state().toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + state() + " (the sweep's state)", e);
    }
  }

  /** The sweep's state; a missing one is a user error naming the directory. */
  public SweepState readRequired() {
    return read().orElseThrow(() -> new IllegalArgumentException("no sweep at " + root + " (state.json is missing)"));
  }

  public void write(SweepState s) {
    writeBytes(state(), Persisted.write(s, SweepState.FORMAT));
  }

  public void writeString(Path p, String s) {
    writeBytes(p, s.getBytes(StandardCharsets.UTF_8));
  }

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

  /** What lock.json holds. */
  public record LockInfo(String host, long pid, String heartbeat) {
    /** The version of {@code lock.json}'s format (see {@link Persisted}). */
    public static final int FORMAT = 1;
  }

  private Optional<LockInfo> readLock() {
    try {
      return Optional.of(Persisted.read(Fs.readAll(lock()), LockInfo.class, LockInfo.FORMAT, lock().toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException | dev.tandem.fs.CorruptDataException e) {
      LOG.warn("unreadable {} ({}): taking it over", lock(), e.toString());
      return Optional.empty();
    }
  }

  /** Takes the sweep's lease, or refuses with who holds it. */
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
