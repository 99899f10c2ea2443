package dev.tandem.trainer.tune.sweep;

import dev.tandem.fs.Fs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The operating-system processes of a sweep's trials in this session: starts them through a {@link TrialLauncher}
 * with their output in the trial's {@code train.log}, tells whether they have ended, and stops them. It owns the
 * processes it started: every one is ended by {@link #stop}, or by {@link #closeAll} when the sweep shuts down (and,
 * should this JVM die without either, by the trial's own watch of its parent).
 *
 * <p>Thread-safe: the sweep's loop starts, watches and stops trials while a shutdown hook may {@link #closeAll} at any
 * moment; no method holds this object's monitor while it waits for a process.
 */
public final class TrialProcesses {
  private static final Logger LOG = LogManager.getLogger(TrialProcesses.class);
  /** How long a trial stopped by the sweep gets to end on SIGTERM before it is killed (and then again to be reaped). */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final TrialLauncher launcher;
  private final TrialStore store;
  private final Clock clock;
  private final Map<String, Running> running = new LinkedHashMap<>();
  private boolean closed;

  /** A trial process of this session. */
  private record Running(Process process, Instant started, File log) {}

  /**
   * How a trial's process ended.
   *
   * @param exitCode its exit code
   * @param seconds  how long it ran
   * @param error    why it failed, from its output (null when it exited with 0)
   */
  public record Ended(int exitCode, double seconds, String error) {}

  /**
   * @param launcher how trial processes are started
   * @param store    the sweep directory, where trials' logs go
   * @param clock    times how long trials run
   */
  public TrialProcesses(TrialLauncher launcher, TrialStore store, Clock clock) {
    this.launcher = launcher;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Starts a trial's process, its output appended to the trial's {@code train.log} (in the sweep directory, or a local
   * file copied there when the trial ends if the sweep directory is not local).
   *
   * @param args the arguments of {@code tandem} (see {@link TrialCommands})
   * @return the process id
   * @throws IOException           when the process cannot be started
   * @throws IllegalStateException when the trial already has a process, or the sweep is shutting down
   */
  public synchronized long start(String trial, List<String> args) throws IOException {
    if (closed) {
      throw new IllegalStateException("the sweep is shutting down: trial " + trial + " is not started");
    }
    if (running.containsKey(trial)) {
      throw new IllegalStateException("trial " + trial + " already has a process");
    }
    File log = localLog(trial);
    Process p = launcher.start(args, log);
    running.put(trial, new Running(p, clock.instant(), log));
    return p.pid();
  }

  /** The trials that have a process of this session (running, or ended and not yet {@link #finish finished}). */
  public synchronized Set<String> running() {
    return new LinkedHashSet<>(running.keySet());
  }

  /** Whether the sweep is shutting down ({@link #closeAll} was called): no trial starts any more. */
  public synchronized boolean closed() {
    return closed;
  }

  /** The exit code of a trial's process if it has ended; empty while it runs (or when the trial has no process). */
  public OptionalInt exitCode(String trial) {
    Running r = get(trial);
    return r == null || r.process().isAlive() ? OptionalInt.empty() : OptionalInt.of(r.process().exitValue());
  }

  /** Seconds the trial's process has run (0 when it has none). */
  public double seconds(String trial) {
    Running r = get(trial);
    return r == null ? 0 : seconds(r);
  }

  private double seconds(Running r) {
    return Duration.between(r.started(), clock.instant()).toNanos() / 1e9;
  }

  private synchronized Running get(String trial) {
    return running.get(trial);
  }

  /**
   * Ends a trial's process and waits for it: SIGTERM, then SIGKILL if it has not ended within 20 s; descendants it
   * leaves behind are killed. Blocks up to 40 s; the trial stays {@link #running()} until it is {@link #finish finished}.
   */
  public void stop(String trial) {
    Running r = get(trial);
    if (r == null) {
      return;
    }
    Process p = r.process();
    List<ProcessHandle> tree = tree(p);
    p.destroy();
    waitUntil(p, System.nanoTime() + STOP_GRACE.toNanos());
    killAlive(tree);
    waitUntil(tree, System.nanoTime() + STOP_GRACE.toNanos());
  }

  /**
   * Forgets the ended process of a trial: its log is copied to the sweep directory (when that is not local), and how it
   * ended is returned.
   *
   * @throws IllegalStateException when the trial has no process, or it is still running
   */
  public Ended finish(String trial) {
    Running r;
    synchronized (this) {
      r = running.get(trial);
      if (r == null || r.process().isAlive()) {
        throw new IllegalStateException("trial " + trial + (r == null ? " has no process" : "'s process is still running"));
      }
      running.remove(trial);
    }
    int code = r.process().exitValue();
    String error = code == 0 ? null : errorOf(r.log(), code);
    copyLog(trial, r.log());
    return new Ended(code, seconds(r), error);
  }

  /**
   * Shutdown: no trial starts any more, every process gets SIGTERM, and those still alive after {@code grace} are
   * killed (with their descendants) and waited for up to one more second. Returns within about {@code grace} + 1 s.
   *
   * @return the trials whose processes were ended, with the seconds each ran in this session
   */
  public Map<String, Double> closeAll(Duration grace) {
    Map<String, Running> live;
    synchronized (this) {
      closed = true;
      live = new LinkedHashMap<>(running);
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    List<ProcessHandle> trees = new ArrayList<>();
    live.forEach((id, r) -> {
      seconds.put(id, seconds(r));
      trees.addAll(tree(r.process()));
      r.process().destroy();
    });
    long deadline = System.nanoTime() + grace.toNanos();
    live.values().forEach(r -> waitUntil(r.process(), deadline));
    live.forEach((id, r) -> {
      if (r.process().isAlive()) {
        LOG.warn("trial {}: process {} did not end on SIGTERM within {} s: killing it", id, r.process().pid(), grace.toSeconds());
      }
    });
    killAlive(trees);
    waitUntil(trees, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    return seconds;
  }

  /** A process and its descendants, as they are now (a descendant is no longer found once its parent has died). */
  private static List<ProcessHandle> tree(Process p) {
    List<ProcessHandle> out = new ArrayList<>();
    out.add(p.toHandle());
    p.descendants().forEach(out::add);
    return out;
  }

  /** Kills what is still alive of a process tree: after its root ended (or had its chance to), the rest are orphans. */
  private static void killAlive(List<ProcessHandle> tree) {
    tree.stream().filter(h -> !ended(h)).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Whether a process has ended: gone, or a zombie that its new parent has not reaped yet (an orphan's new parent may
   * be an init that reaps late; Java counts a zombie as alive). The state is read from Linux's /proc when it is there.
   */
  static boolean ended(ProcessHandle h) {
    if (!h.isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(new File("/proc/" + h.pid() + "/stat").toPath());
      int close = stat.lastIndexOf(')'); // the command name in parentheses may hold spaces; the state follows it
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
    } catch (IOException e) {
      return !h.isAlive();
    }
  }

  private static void waitUntil(Process p, long deadlineNanos) {
    try {
      p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitUntil(List<ProcessHandle> tree, long deadlineNanos) {
    try {
      while (!tree.stream().allMatch(TrialProcesses::ended)) {
        if (System.nanoTime() >= deadlineNanos) {
          tree.stream().filter(h -> !ended(h)).forEach(h -> LOG.warn("process {} has not ended", h.pid()));
          return;
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the process of a trial an earlier session left running, if it is still alive on this host (its watch of its
   * parent normally ends it within a second of the sweep's death), so that the trial can be resumed.
   */
  public void stopLeftover(TrialRecord t) {
    if (t.pid() == null || t.pid() <= 0 || !TrialStore.host().equals(t.host())) {
      return;
    }
    ProcessHandle.of(t.pid()).filter(ProcessHandle::isAlive).filter(launcher::isTrialProcess).ifPresent(h -> {
      LOG.warn("trial {}: its process {} from the previous session is still running: stopping it", t.id(), t.pid());
      h.destroyForcibly();
      try {
        h.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("process {} did not stop: {}", t.pid(), e.toString());
      }
    });
  }

  /** Where the trial process writes its output: train.log in the sweep directory, or a local file copied there. */
  private File localLog(String trial) {
    try {
      if (store.isLocal()) {
        File f = TrialStore.file(store.trialLog(trial));
        Files.createDirectories(f.toPath().getParent());
        return f;
      }
      return File.createTempFile("tandem-trial-" + trial + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the log of trial " + trial, e);
    }
  }

  /** Appends a local log to the trial's train.log in a sweep directory that is not local. */
  private void copyLog(String trial, File log) {
    if (store.isLocal()) {
      return;
    }
    Path target = store.trialLog(trial);
    try {
      byte[] previous = Fs.exists(target) ? Fs.readAll(target) : new byte[0];
      byte[] now = Files.readAllBytes(log.toPath());
      byte[] all = new byte[previous.length + now.length];
      System.arraycopy(previous, 0, all, 0, previous.length);
      System.arraycopy(now, 0, all, previous.length, now.length);
      Fs.writeAtomically(target, all);
      Files.deleteIfExists(log.toPath());
    } catch (IOException e) {
      LOG.warn("could not copy the log of trial {} to {}: {}", trial, target, e.toString());
    }
  }

  /** The reason a trial process failed: its "error:" line, else the end of its output. */
  static String errorOf(File log, int exitCode) {
    List<String> lines;
    try {
      lines = Files.readAllLines(log.toPath(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "exit code " + exitCode;
    }
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("error: ")) {
        return lines.get(i).substring(7) + " (exit code " + exitCode + ")";
      }
    }
    List<String> tail = lines.stream().filter(l -> !l.isBlank()).toList();
    tail = tail.subList(Math.max(0, tail.size() - 3), tail.size());
    return "exit code " + exitCode + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail));
  }
}
