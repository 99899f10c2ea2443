package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.tune.AshaScheduler;
import dev.tandem.trainer.tune.SearchSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a sweep: samples trials, runs up to {@code max_parallel} of them at once as processes, watches their
 * {@code metrics.jsonl}, stops weak ones at ASHA rungs, and records everything in the sweep directory's
 * {@code state.json} after every change. Running it again on the same directory continues: finished trials are kept
 * as they are, trials that were running are resumed from their last checkpoint (or restarted when they have none or
 * the launcher cannot resume), finished trials still to be evaluated are evaluated, and sampling continues.
 *
 * <p>A trial whose job is invalid or whose process fails is recorded as failed, with its error, and the sweep goes on.
 *
 * <p>The work is shared out: {@link SweepScheduler} decides, {@link TrialProcesses} runs processes,
 * {@link TrialMetrics} reads runs, {@link TrialEvaluation} evaluates, {@link TrialCommands} builds command lines and
 * {@link TrialStore} keeps the files. This class owns the state and the loop. Ctrl-C or SIGTERM ({@link #interrupt})
 * may come at any moment from another thread: the state is guarded by a lock that is held only to change it and
 * write {@code state.json}, never while a process is awaited or a trial evaluated, so a shutdown ends within seconds.
 */
public final class SweepRunner {
  private static final Logger LOG = LogManager.getLogger(SweepRunner.class);
  private static final long POLL_MILLIS = 500;
  /** How long trial processes get to end on SIGTERM when the sweep is interrupted: the whole shutdown stays under 5 s. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);
  private static final String INTERRUPTED = "stopped by a signal; run the same command again to continue";

  private final ConfigLoader.Loaded<SweepConfig> loaded;
  private final SweepConfig cfg;
  private final TrialStore store;
  private final TrialLauncher launcher;
  private final String cacheRoot;
  private final String basePath;
  private final ConfigLoader.Loaded<JobConfig> baseJob;
  private final TrialCommands commands;
  private final TrialMetrics metrics;
  private final TrialEvaluation evaluation;
  private final SweepScheduler scheduler;
  private final TrialProcesses processes;

  /** Guards {@link #state}, {@link #stopping} and {@link #closed}, shared by the loop and the shutdown path. */
  private final Object lock = new Object();
  private SweepState state;
  /** Trials to be stopped, with their judged records: their verdict is written with their end, in one state.json. */
  private final Map<String, SweepScheduler.Verdict> stopping = new HashMap<>();
  /** The shutdown path wrote the final state: nothing is written after it. */
  private boolean closed;
  /** Set (under the lock) before the shutdown path ends any process: the loop then records no process's end. */
  private volatile boolean shuttingDown;
  /** Serialises callers of {@link #interrupt} (the hook, and the loop itself when its thread is interrupted). */
  private final Object shutdown = new Object();
  /** Finished trials whose objective is still to be evaluated; the loop's alone. */
  private final Deque<String> toEvaluate = new ArrayDeque<>();

  /**
   * A sweep on this machine's clock, whose test-split objective (if any) is evaluated on datasets cached in
   * {@code cacheRoot}.
   *
   * @param loaded    the sweep file
   * @param sweepDir  the sweep directory (any Hadoop URI)
   * @param launcher  how trials run
   * @param cacheRoot where trials cache prepared datasets
   * @throws ConfigException naming the key when the base job with the sweep's overrides, or the scheduler, is invalid
   */
  public SweepRunner(ConfigLoader.Loaded<SweepConfig> loaded, String sweepDir, TrialLauncher launcher, String cacheRoot) {
    this(loaded, sweepDir, launcher, cacheRoot, TrialEvaluation.testSplit(cacheRoot), new MonotonicClock());
  }

  /**
   * @param evaluation evaluates finished trials when {@code objective.split} is test
   * @param clock      the time of the budget, of trials' durations and of the records' timestamps
   */
  public SweepRunner(ConfigLoader.Loaded<SweepConfig> loaded, String sweepDir, TrialLauncher launcher, String cacheRoot,
      TrialEvaluation evaluation, Clock clock) {
    this.loaded = loaded;
    this.cfg = loaded.value();
    this.store = TrialStore.at(sweepDir);
    this.launcher = launcher;
    this.cacheRoot = cacheRoot;
    this.basePath = Fs.resolve(loaded.baseDir(), cfg.base()).toString();
    try {
      this.baseJob = JobConfig.load(basePath, SearchSpace.overrides(cfg.set()));
    } catch (ConfigException e) {
      throw new ConfigException("base", "the base job " + basePath + " with the sweep's set: overrides is invalid: " + e.getMessage(), e);
    }
    this.commands = new TrialCommands(basePath, cfg.set(), store, cacheRoot);
    this.metrics = new TrialMetrics(cfg.objective());
    this.evaluation = evaluation;
    this.scheduler = SweepScheduler.of(cfg, baseJob.value().train().epochs(), clock);
    this.processes = new TrialProcesses(launcher, store, clock);
  }

  /** The sweep directory. */
  public TrialStore store() {
    return store;
  }

  /** How many trials the sweep runs in all (a grid's size if the budget does not say). */
  public int maxTrials() {
    return scheduler.maxTrials();
  }

  /** The commands of the first trials, as they would be run (for --dry-run): nothing is written or started. */
  public List<String> dryRun() {
    List<String> out = new ArrayList<>();
    out.add("# " + launcher.describe());
    List<TrialRecord> existing = store.read().map(SweepState::trials).orElse(List.of());
    for (int i = 1; i <= Math.min(maxTrials(), 9999); i++) {
      TrialRecord t;
      if (i <= existing.size()) {
        t = existing.get(i - 1);
        if (t.terminal()) {
          out.add("# trial " + t.id() + ": " + t.status().key() + " (not run again)");
          continue;
        }
      } else if (!scheduler.knownInAdvance(i)) {
        out.add("# trials " + String.format("%04d", i) + ".." + String.format("%04d", maxTrials())
            + ": sampled by TPE from the results of the trials before them");
        break;
      } else {
        Optional<Map<String, JsonNode>> params = scheduler.sampleAhead(i);
        if (params.isEmpty()) {
          break;
        }
        t = TrialRecord.create(i, params.get(), null);
      }
      out.add(TrialCommands.shellQuote(launcher.display(commands.train(t))));
    }
    return out;
  }

  /** The sweep's definition hash: what a re-run must agree with (everything but the budget and the trial options). */
  String definitionSha256() {
    ObjectNode tree = ((ObjectNode) loaded.tree()).deepCopy();
    tree.remove("budget");
    tree.remove("trial");
    tree.remove("base");
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Persisted.json().writeValueAsBytes(tree));
      md.update(baseJob.toYaml().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs (or continues) the sweep to its end, reporting progress. Holds the sweep directory's lease meanwhile, and a
   * shutdown hook that {@link #interrupt interrupts} the sweep on Ctrl-C or SIGTERM.
   *
   * @return the final state: finished, time_limit or interrupted
   * @throws IllegalStateException    when another process runs the sweep
   * @throws IllegalArgumentException when the directory holds a sweep with another definition
   */
  public SweepState run(Progress progress) {
    String hash = definitionSha256();
    try (TrialStore.Lease lease = store.acquire()) {
      begin(hash);
      // prepared once here, so that trials starting together do not each prepare the same dataset
      Datasets.resolve(baseJob, cacheRoot, progress);
      Thread hook = new Thread(this::interrupt, "sweep-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try (Progress.Task task = progress.start("sweep " + cfg.name(), maxTrials(), "trials")) {
        long reported = current().terminalCount();
        task.advance(reported);
        while (!shuttingDown) {
          watch();
          evaluate();
          launch();
          long done = current().terminalCount();
          if (done > reported) {
            task.advance(done - reported);
            reported = done;
          }
          task.status(summary());
          lease.beat();
          if (processes.running().isEmpty() && toEvaluate.isEmpty() && end()) {
            return current();
          }
          try {
            Thread.sleep(POLL_MILLIS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt();
          }
        }
        return current();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs
        }
      }
    }
  }

  /** Reads the previous session's state, if any, and writes this session's first. */
  private void begin(String hash) {
    String now = scheduler.now().toString();
    Optional<SweepState> previous = store.read();
    SweepState first;
    if (previous.isPresent()) {
      SweepState p = previous.get();
      if (!p.definitionSha256().equals(hash)) {
        throw new IllegalArgumentException("the sweep in " + store.root() + " was started with a different definition (search space,"
            + " objective, sampler, scheduler or base job): use another sweep directory, or the original sweep file");
      }
      List<TrialRecord> trials = new ArrayList<>();
      for (TrialRecord t : p.trials()) {
        // a trial left running by a session that ended (crash, SIGKILL) is continued
        if (t.status() == TrialRecord.Status.RUNNING) {
          processes.stopLeftover(t);
          trials.add(t.interrupted(false, 0, TrialRecord.Status.PENDING));
        } else {
          trials.add(t);
          if (t.terminal() && t.value() == null && needsEvaluation(t)) {
            toEvaluate.add(t.id()); // its session ended between its end and its evaluation
          }
        }
      }
      scheduler.startSession(p.elapsedSeconds(), trials);
      first = new SweepState(SweepState.FORMAT, cfg.name(), hash, p.created(), now, "running", p.elapsedSeconds(), p.sessions() + 1, trials,
          null);
      long done = first.terminalCount();
      LOG.info("continuing sweep {} in {}: {} of {} trials finished, {} to resume", cfg.name(), store.root(), done, maxTrials(),
          trials.size() - done);
    } else {
      store.writeString(store.definition(), loaded.toYaml().replace("base: " + cfg.base(), "base: " + basePath));
      scheduler.startSession(0, List.of());
      first = new SweepState(SweepState.FORMAT, cfg.name(), hash, now, now, "running", 0, 1, List.of(), null);
      LOG.info("starting sweep {} in {}: {} trials, {}", cfg.name(), store.root(), maxTrials(), launcher.describe());
    }
    synchronized (lock) {
      state = first;
      save();
    }
  }

  /** Records the sweep's end; false when a shutdown got there first. */
  private boolean end() {
    boolean over = scheduler.timeBudgetSpent();
    String status = over ? "time_limit" : "finished";
    String message = over ? "wall-clock limit of " + cfg.budget().maxMinutes() + " min reached" : null;
    if (!change(s -> s.with(s.trials(), status, message))) {
      return false;
    }
    LOG.info("sweep {} {}: {}", cfg.name(), status, summary());
    return true;
  }

  /**
   * Ctrl-C or SIGTERM: no trial starts any more, the trial processes are ended (SIGTERM, SIGKILL after a grace), and
   * state.json records the sweep as interrupted, its running trials as to be continued and the trials it had decided
   * to stop as stopped. Returns within about 4 s whatever the loop is doing (evaluating a trial, waiting for a process
   * to stop); callable from any thread, and more than once.
   */
  public void interrupt() {
    synchronized (shutdown) {
      synchronized (lock) {
        if (shuttingDown) {
          return;
        }
        shuttingDown = true;
      }
      Map<String, Double> ran = processes.closeAll(SHUTDOWN_GRACE);
      synchronized (lock) {
        if (closed || state == null || !"running".equals(state.status())) {
          closed = true;
          return;
        }
        String now = scheduler.now().toString();
        List<TrialRecord> trials = new ArrayList<>(state.trials());
        for (int i = 0; i < trials.size(); i++) {
          TrialRecord t = trials.get(i);
          if (t.status() != TrialRecord.Status.RUNNING) {
            continue;
          }
          double seconds = ran.getOrDefault(t.id(), 0.0);
          SweepScheduler.Verdict v = stopping.get(t.id());
          trials.set(i, v != null ? ended(v.trial(), TrialRecord.Status.STOPPED, now, seconds, v.stopReason(), null)
              : t.interrupted(false, seconds, TrialRecord.Status.PENDING));
        }
        state = state.with(trials, "interrupted", INTERRUPTED);
        save();
        closed = true;
      }
      LOG.warn("sweep {} interrupted: run the same command again to continue", cfg.name());
    }
  }

  /** Reads the running trials' metrics, applies the scheduler's verdicts, and records the trials whose process ended. */
  private void watch() {
    for (String id : processes.running()) {
      if (shuttingDown) {
        return;
      }
      RunDirectory run = runOf(id);
      SweepScheduler.Verdict verdict;
      synchronized (lock) {
        verdict = stopping.get(id);
      }
      if (verdict == null) {
        verdict = scheduler.judge(metrics.update(trial(id), run));
        for (AshaScheduler.Decision d : verdict.decisions()) {
          LOG.info("trial {}: {}", id, d.explain(cfg.objective().metric()));
        }
        if (verdict.stop()) {
          synchronized (lock) {
            stopping.put(id, verdict);
          }
          processes.stop(id);
        } else {
          record(verdict.trial());
        }
      }
      OptionalInt exit = processes.exitCode(id);
      if (exit.isPresent()) {
        ended(id, verdict);
      }
    }
  }

  /** Records the end of a trial's process: stopped (if it was to be), completed, or failed. */
  private void ended(String id, SweepScheduler.Verdict verdict) {
    TrialProcesses.Ended e = processes.finish(id);
    TrialRecord t = metrics.update(verdict.stop() ? verdict.trial() : trial(id), runOf(id)); // the epochs since the last look
    String now = scheduler.now().toString();
    TrialRecord done;
    if (verdict.stop()) {
      done = ended(t, TrialRecord.Status.STOPPED, now, e.seconds(), verdict.stopReason(), null);
      LOG.info("trial {} stopped after {} epoch(s): {}", id, done.epochs(), verdict.stopReason());
    } else if (e.exitCode() == 0) {
      done = ended(t, TrialRecord.Status.COMPLETED, now, e.seconds(), null, null);
      LOG.info("trial {} completed after {} epoch(s): {} {}", id, done.epochs(), cfg.objective().metric(),
          needsEvaluation(done) ? "to be evaluated on the test split" : done.value());
    } else {
      done = ended(t, TrialRecord.Status.FAILED, now, e.seconds(), null, e.error());
      LOG.warn("trial {} failed: {}", id, e.error());
    }
    if (!record(done)) {
      return; // shutting down: the shutdown path records the trial
    }
    if (done.value() == null && needsEvaluation(done)) {
      toEvaluate.add(id);
    }
    // a line per finished trial, for logs without a terminal (the progress bar shows the same live)
    LOG.info("sweep {}: {} of {} trials finished; {}", cfg.name(), current().terminalCount(), maxTrials(), summary());
  }

  /** A trial's final record; a test-split objective is left to be evaluated (null until then). */
  private TrialRecord ended(TrialRecord t, TrialRecord.Status status, String now, double seconds, String reason, String error) {
    TrialRecord done = t.end(status, now, seconds, reason, error);
    return needsEvaluation(done) ? done.withValue(null) : done;
  }

  /** Whether a finished trial's objective comes from an evaluation rather than its validation curve. */
  private boolean needsEvaluation(TrialRecord t) {
    return cfg.objective().split().equals("test") && t.status() != TrialRecord.Status.FAILED && t.epochs() > 0;
  }

  /**
   * With {@code objective.split: test}, a finished trial's value is its best checkpoint's on the test split (the
   * validation curve still drives ASHA). No lock is held meanwhile: a shutdown does not wait for an evaluation, and a
   * trial it cut short is evaluated by the next session.
   */
  private void evaluate() {
    while (!toEvaluate.isEmpty() && !shuttingDown) {
      String id = toEvaluate.poll();
      Double value;
      try {
        value = evaluation.evaluate(runOf(id), cfg.objective().asMetric());
        LOG.info("trial {}: {} on the test split {}", id, cfg.objective().metric(), value);
      } catch (RuntimeException e) {
        LOG.warn("trial {}: test evaluation failed: {}", id, e.toString());
        value = null;
      }
      Double v = value;
      change(s -> s.withTrial(s.trial(id).withValue(v)));
    }
  }

  /** Starts trials while the scheduler has one to start: first those to continue, then new samples. */
  private void launch() {
    while (!shuttingDown) {
      TrialRecord next;
      synchronized (lock) {
        if (shuttingDown) {
          return;
        }
        Optional<TrialRecord> n = scheduler.next(state.trials(), processes.running());
        if (n.isEmpty()) {
          return;
        }
        next = n.get();
        if (next.index() > state.trials().size()) {
          LOG.info("trial {}: {}", next.id(), SearchSpace.overrides(next.params()));
          state = state.withTrial(next);
          save();
        }
      }
      if (!record(start(next))) {
        return;
      }
    }
  }

  /**
   * Starts (or resumes) a trial's process; a trial whose job is invalid fails here without a process. Holds no lock:
   * resuming may prepare a dataset.
   *
   * @return the trial running, failed, or (when the sweep is shutting down) as it was
   */
  private TrialRecord start(TrialRecord t) {
    String now = scheduler.now().toString();
    RunDirectory run = runOf(t.id());
    List<String> args;
    try {
      if (run.exists() && launcher.canResume() && TrialMetrics.resumable(run)) {
        // the run's job.yaml holds absolute input paths, so its dataset may have another cache key than the base
        // job's: prepared here, once, rather than by several resumed trials at the same time
        Datasets.resolve(JobConfig.load(run.job().toString(), List.of()), cacheRoot, Progress.NONE);
        args = commands.resume(run);
        LOG.info("trial {}: resuming from its last checkpoint", t.id());
      } else {
        if (Fs.exists(run.root())) {
          LOG.info("trial {}: restarting (nothing to resume from in {})", t.id(), run.root());
          Fs.delete(run.root());
        }
        JobConfig.load(basePath, commands.overrides(t)); // validates the trial's job: a bad value fails the trial, not the sweep
        args = commands.train(t);
      }
    } catch (ConfigException e) {
      LOG.warn("trial {} failed: invalid job: {}", t.id(), e.getMessage());
      return t.launched(-1, TrialStore.host(), now).end(TrialRecord.Status.FAILED, now, 0, null, "invalid job: " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the run directory of trial " + t.id(), e);
    }
    try {
      return t.launched(processes.start(t.id(), args), TrialStore.host(), now);
    } catch (IOException e) {
      LOG.warn("trial {} failed: cannot start its process: {}", t.id(), e.toString());
      return t.launched(-1, TrialStore.host(), now).end(TrialRecord.Status.FAILED, now, 0, null, "cannot start: " + e.getMessage());
    } catch (IllegalStateException e) {
      return t; // the sweep is shutting down
    }
  }

  private RunDirectory runOf(String id) {
    return new RunDirectory(store.trialRun(id));
  }

  /** Replaces a trial's record and writes the state; false (and nothing written) once the sweep is shutting down. */
  private boolean record(TrialRecord t) {
    return change(s -> s.withTrial(t));
  }

  /** Changes the state and writes it, unless the sweep is shutting down (then the shutdown path writes it). */
  private boolean change(UnaryOperator<SweepState> how) {
    synchronized (lock) {
      if (shuttingDown || closed) {
        return false;
      }
      SweepState next = how.apply(state);
      for (TrialRecord t : next.trials()) {
        if (t.terminal()) {
          stopping.remove(t.id());
        }
      }
      if (!next.equals(state)) {
        state = next;
        save();
      }
      return true;
    }
  }

  private SweepState current() {
    synchronized (lock) {
      return state;
    }
  }

  private TrialRecord trial(String id) {
    return current().trial(id);
  }

  /** Writes state.json, stamped with now and the sweep's elapsed time. Under the lock. */
  private void save() {
    state = new SweepState(state.format(), state.name(), state.definitionSha256(), state.created(), scheduler.now().toString(), state.status(),
        scheduler.elapsedSeconds(), state.sessions(), state.trials(), state.message());
    store.write(state);
  }

  /** "done 3, running 2, stopped 1, failed 0, best recall@10 0.1234 (trial 0003)". */
  public String summary() {
    return current().summary(cfg.objective(), processes.running().size());
  }
}
