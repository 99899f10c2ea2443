package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.tune.AshaScheduler;
import dev.tandem.trainer.tune.GridSampler;
import dev.tandem.trainer.tune.Sampler;
import dev.tandem.trainer.tune.SearchSpace;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a sweep: samples trials, runs up to {@code max_parallel} of them at once through a {@link TrialLauncher}, watches
 * their {@code metrics.jsonl}, stops weak ones at ASHA rungs, and records everything in the sweep directory's
 * {@code state.json} after every change. Running it again on the same directory continues: finished trials are kept
 * as they are, trials that were running are resumed from their last checkpoint (or restarted when they have none or
 * the launcher cannot resume), and sampling continues from the recorded trials.
 *
 * <p>A trial whose job is invalid or whose process fails is recorded as failed, with its error, and the sweep goes on.
 */
public final class SweepRunner {
  private static final Logger LOG = LogManager.getLogger(SweepRunner.class);
  private static final long POLL_MILLIS = 500;

  private final ConfigLoader.Loaded<SweepConfig> loaded;
  private final SweepConfig cfg;
  private final TrialStore store;
  private final TrialLauncher launcher;
  private final String cacheRoot;
  private final String basePath;
  private final ConfigLoader.Loaded<JobConfig> baseJob;
  private final SearchSpace space;
  private final Sampler sampler;
  private final AshaScheduler asha;
  private final Object lock = new Object();
  private final Map<String, Running> running = new LinkedHashMap<>();
  private volatile boolean shuttingDown;
  private SweepState state;
  private long sessionStart;
  /** Wall-clock seconds of the sweep's earlier sessions. */
  private double earlierSessions;

  /** A trial process of this session. */
  private static final class Running {
    final Process process;
    final long started;
    final File log;
    String stopReason;

    Running(Process process, File log) {
      this.process = process;
      this.started = System.nanoTime();
      this.log = log;
    }

    double seconds() {
      return (System.nanoTime() - started) / 1e9;
    }
  }

  /**
   * @param loaded    the sweep file
   * @param sweepDir  the sweep directory (any Hadoop URI)
   * @param launcher  how trials run
   * @param cacheRoot where trials cache prepared datasets
   */
  public SweepRunner(ConfigLoader.Loaded<SweepConfig> loaded, String sweepDir, TrialLauncher launcher, String cacheRoot) {
    this.loaded = loaded;
    this.cfg = loaded.value();
    this.store = TrialStore.at(sweepDir);
    this.launcher = launcher;
    this.cacheRoot = cacheRoot;
    this.basePath = Fs.resolve(loaded.baseDir(), cfg.base()).toString();
    try {
      this.baseJob = JobConfig.load(basePath, fixedOverrides());
    } catch (ConfigException e) {
      throw new ConfigException("base", "the base job " + basePath + " with the sweep's set: overrides is invalid: " + e.getMessage(), e);
    }
    this.space = SearchSpace.of(cfg.space());
    this.sampler = Sampler.of(cfg.sampler(), space, cfg.seed(), cfg.objective().maximize());
    if (cfg.scheduler().type() == SweepConfig.Scheduler.Type.ASHA) {
      int max = cfg.scheduler().maxEpochs() != null ? cfg.scheduler().maxEpochs() : baseJob.value().train().epochs();
      if (max <= cfg.scheduler().minEpochs()) {
        throw new ConfigException("scheduler.min_epochs", "must be below the trials' epochs (" + max + ") for ASHA to stop anything");
      }
      this.asha = new AshaScheduler(cfg.scheduler().minEpochs(), cfg.scheduler().eta(), max, cfg.objective().maximize());
    } else {
      this.asha = null;
    }
  }

  public TrialStore store() {
    return store;
  }

  /** How many trials the sweep runs in all (a grid's size if the budget does not say). */
  public int maxTrials() {
    int n = cfg.budget().maxTrials() != null ? cfg.budget().maxTrials() : Integer.MAX_VALUE;
    if (sampler instanceof GridSampler g) {
      n = Math.min(n, g.size());
    }
    return n;
  }

  private List<String> fixedOverrides() {
    return SearchSpace.overrides(cfg.set());
  }

  /** The arguments of {@code tandem} that train a new trial. */
  public List<String> trainArgs(TrialRecord t) {
    List<String> args = new ArrayList<>(List.of("train", "--config", basePath, "--run", store.trialRun(t.id()).toString(), "--cache",
        cacheRoot));
    for (String o : fixedOverrides()) {
      args.add("--set");
      args.add(o);
    }
    for (String o : SearchSpace.overrides(t.params())) {
      args.add("--set");
      args.add(o);
    }
    return args;
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
      } else if (!sampler.knownInAdvance(i)) {
        out.add("# trials " + String.format("%04d", i) + ".." + String.format("%04d", maxTrials())
            + ": sampled by TPE from the results of the trials before them");
        break;
      } else {
        Optional<Map<String, JsonNode>> p = sampler.next(i, List.of());
        if (p.isEmpty()) {
          break;
        }
        t = TrialRecord.create(i, p.get(), null);
      }
      out.add(shellQuote(launcher.display(trainArgs(t))));
    }
    return out;
  }

  static String shellQuote(List<String> cmd) {
    StringBuilder sb = new StringBuilder();
    for (String a : cmd) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
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

  /** Runs (or continues) the sweep to its end, reporting progress; returns the final state. */
  public SweepState run(Progress progress) {
    String hash = definitionSha256();
    try (TrialStore.Lease lease = store.acquire()) {
      sessionStart = System.nanoTime();
      String now = Instant.now().toString();
      Optional<SweepState> previous = store.read();
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
            stopLeftover(t);
            trials.add(t.interrupted(false, 0, TrialRecord.Status.PENDING));
          } else {
            trials.add(t);
          }
        }
        earlierSessions = p.elapsedSeconds();
        state = new SweepState(SweepState.FORMAT, cfg.name(), hash, p.created(), now, "running", p.elapsedSeconds(), p.sessions() + 1, trials,
            null);
        long done = trials.stream().filter(TrialRecord::terminal).count();
        LOG.info("continuing sweep {} in {}: {} of {} trials finished, {} to resume", cfg.name(), store.root(), done, maxTrials(),
            trials.size() - done);
      } else {
        store.writeString(store.definition(), loaded.toYaml().replace("base: " + cfg.base(), "base: " + basePath));
        state = new SweepState(SweepState.FORMAT, cfg.name(), hash, now, now, "running", 0, 1, List.of(), null);
        LOG.info("starting sweep {} in {}: {} trials, {}", cfg.name(), store.root(), maxTrials(), launcher.describe());
      }
      if (asha != null) {
        for (TrialRecord t : state.trials()) {
          t.rungs().forEach((rung, v) -> asha.restore(t.id(), Integer.parseInt(rung), v == null ? Double.NaN : v));
        }
      }
      save();
      // prepared once here, so that trials starting together do not each prepare the same dataset
      dev.tandem.trainer.train.Datasets.resolve(baseJob, cacheRoot, progress);
      Thread hook = new Thread(this::interrupt, "sweep-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try (Progress.Task task = progress.start("sweep " + cfg.name(), maxTrials(), "trials")) {
        long reported = state.trials().stream().filter(TrialRecord::terminal).count();
        task.advance(reported);
        while (true) {
          synchronized (lock) {
            if (shuttingDown) {
              return state;
            }
            boolean over = overTime();
            poll(over);
            if (!over) {
              launch();
            }
            long done = state.trials().stream().filter(TrialRecord::terminal).count();
            if (done > reported) {
              task.advance(done - reported);
              reported = done;
            }
            task.status(summary());
            lease.beat();
            if (running.isEmpty()) {
              String status = over ? "time_limit" : "finished";
              state = withTrials(state.trials(), status, over ? "wall-clock limit of " + cfg.budget().maxMinutes() + " min reached" : null);
              save();
              LOG.info("sweep {} {}: {}", cfg.name(), status, summary());
              return state;
            }
          }
          try {
            Thread.sleep(POLL_MILLIS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt();
            return state;
          }
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs
        }
      }
    }
  }

  /**
   * The process of a trial a previous session left running, if it is still alive on this host (its parent watchdog
   * normally ends it within a second of the sweep's death): it is stopped before the trial is resumed.
   */
  private void stopLeftover(TrialRecord t) {
    if (t.pid() == null || t.pid() <= 0 || !TrialStore.host().equals(t.host())) {
      return;
    }
    ProcessHandle.of(t.pid()).filter(ProcessHandle::isAlive)
        .filter(launcher::isTrialProcess)
        .ifPresent(h -> {
          LOG.warn("trial {}: its process {} from the previous session is still running: stopping it", t.id(), t.pid());
          h.destroyForcibly();
          try {
            h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            LOG.warn("process {} did not stop: {}", t.pid(), e.toString());
          }
        });
  }

  /** Ctrl-C or SIGTERM: stops the trial processes and records them as to be continued. */
  private void interrupt() {
    shuttingDown = true;
    synchronized (lock) {
      if (state == null || running.isEmpty() && !"running".equals(state.status())) {
        return;
      }
      List<TrialRecord> trials = new ArrayList<>(state.trials());
      for (Map.Entry<String, Running> e : running.entrySet()) {
        e.getValue().process.destroy();
        int i = indexOf(trials, e.getKey());
        trials.set(i, trials.get(i).interrupted(false, e.getValue().seconds(), TrialRecord.Status.PENDING));
      }
      for (Running r : running.values()) {
        try {
          r.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      running.clear();
      state = withTrials(trials, "interrupted", "stopped by a signal; run the same command again to continue");
      save();
      LOG.warn("sweep {} interrupted: run the same command again to continue", cfg.name());
    }
  }

  private boolean overTime() {
    Double max = cfg.budget().maxMinutes();
    return max != null && elapsed() >= max * 60;
  }

  private double elapsed() {
    return earlierSessions + (System.nanoTime() - sessionStart) / 1e9;
  }

  /** Reads the running trials' metrics, applies ASHA, and records the trials whose process ended. */
  private void poll(boolean overTime) {
    List<TrialRecord> trials = new ArrayList<>(state.trials());
    boolean changed = false;
    boolean ended = false;
    for (var it = running.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Running> e = it.next();
      int i = indexOf(trials, e.getKey());
      TrialRecord t = trials.get(i);
      Running r = e.getValue();
      TrialRecord updated = readMetrics(t);
      if (asha != null && r.stopReason == null) {
        for (int rung : asha.rungs()) {
          if (updated.epochs() >= rung && !asha.judged(t.id(), rung)) {
            double v = bestUpTo(updated.curve(), rung);
            AshaScheduler.Decision d = asha.report(t.id(), rung, v);
            updated = updated.judgedAt(rung, v);
            LOG.info("trial {}: {}", t.id(), d.explain(cfg.objective().metric()));
            if (!d.proceed()) {
              r.stopReason = "ASHA: " + d.explain(cfg.objective().metric());
              stop(r.process);
              break;
            }
          }
        }
      }
      if (overTime && r.stopReason == null) {
        r.stopReason = "wall-clock limit of the sweep reached";
        stop(r.process);
      }
      if (!r.process.isAlive()) {
        int code = r.process.exitValue();
        updated = readMetrics(updated); // the epochs it finished between the last look and its exit
        String now = Instant.now().toString();
        copyLog(t, r);
        if (r.stopReason != null || code == 0) {
          updated = testObjective(updated);
        }
        if (r.stopReason != null) {
          updated = updated.end(TrialRecord.Status.STOPPED, now, r.seconds(), r.stopReason, null);
          LOG.info("trial {} stopped after {} epoch(s): {}", t.id(), updated.epochs(), r.stopReason);
        } else if (code == 0) {
          updated = updated.end(TrialRecord.Status.COMPLETED, now, r.seconds(), null, null);
          LOG.info("trial {} completed: {} {} after {} epoch(s)", t.id(), cfg.objective().metric(), updated.value(), updated.epochs());
        } else {
          String err = errorOf(r.log, code);
          updated = updated.end(TrialRecord.Status.FAILED, now, r.seconds(), null, err);
          LOG.warn("trial {} failed: {}", t.id(), err);
        }
        it.remove();
        ended = true;
      }
      if (!updated.equals(t)) {
        trials.set(i, updated);
        changed = true;
      }
    }
    if (changed) {
      state = withTrials(trials, "running", null);
      save();
    }
    if (ended) {
      // a line per finished trial, for logs without a terminal (the progress bar shows the same live)
      LOG.info("sweep {}: {} of {} trials finished; {}", cfg.name(), state.trials().stream().filter(TrialRecord::terminal).count(),
          maxTrials(), summary());
    }
  }

  /**
   * With {@code objective.split: test}, a finished trial's value is its best checkpoint's on the test split (the
   * validation curve still drives ASHA).
   */
  private TrialRecord testObjective(TrialRecord t) {
    if (!cfg.objective().split().equals("test") || t.epochs() == 0) {
      return t;
    }
    RunDirectory run = new RunDirectory(store.trialRun(t.id()));
    try {
      ConfigLoader.Loaded<JobConfig> job = JobConfig.load(run.job().toString(), List.of());
      var ds = dev.tandem.trainer.train.Datasets.resolve(job, cacheRoot, Progress.NONE);
      Map<String, Object> eval = dev.tandem.trainer.eval.Evaluation.evaluate(run, ds, dev.tandem.datasets.split.SplitName.TEST,
          job.value().eval(), "best");
      Object v = eval.get(cfg.objective().metric());
      if (!(v instanceof Number n)) {
        throw new IllegalArgumentException("the test evaluation has no " + cfg.objective().metric() + " (it has " + eval.keySet() + ")");
      }
      LOG.info("trial {}: {} on the test split {}", t.id(), cfg.objective().metric(), n);
      return t.withValue(n.doubleValue());
    } catch (RuntimeException e) {
      LOG.warn("trial {}: test evaluation failed: {}", t.id(), e.toString());
      return t.withValue(null);
    }
  }

  /**
   * Ends a trial's process and waits for it, so that the decision to stop it and its end are recorded in the same
   * state.json write: a sweep killed in between would otherwise resume a trial that ASHA had already stopped.
   */
  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The best objective value among the first {@code epochs} epochs of a curve (NaN if none). */
  private double bestUpTo(List<Double> curve, int epochs) {
    double best = Double.NaN;
    for (int e = 0; e < Math.min(epochs, curve.size()); e++) {
      Double v = curve.get(e);
      if (v != null && cfg.objective().better(v, best)) {
        best = v;
      }
    }
    return best;
  }

  /** The trial's objective per epoch from its run's metrics.jsonl. */
  TrialRecord readMetrics(TrialRecord t) {
    RunDirectory run = new RunDirectory(store.trialRun(t.id()));
    List<Map<String, Object>> metrics;
    try {
      metrics = run.readMetrics();
    } catch (RuntimeException e) {
      LOG.debug("metrics of trial {} not readable yet: {}", t.id(), e.toString());
      return t;
    }
    String key = "val_" + cfg.objective().metric();
    List<Double> curve = new ArrayList<>();
    for (Map<String, Object> m : metrics) {
      int epoch = m.get("epoch") instanceof Number n ? n.intValue() : curve.size() + 1;
      while (curve.size() < epoch - 1) {
        curve.add(null);
      }
      Double v = m.get(key) instanceof Number n ? n.doubleValue() : null;
      if (curve.size() >= epoch) {
        curve.set(epoch - 1, v);
      } else {
        curve.add(v);
      }
    }
    if (curve.equals(t.curve())) {
      return t;
    }
    Double best = null;
    Integer bestAt = null;
    for (int e = 0; e < curve.size(); e++) {
      Double v = curve.get(e);
      if (v != null && (best == null || cfg.objective().better(v, best))) {
        best = v;
        bestAt = e + 1;
      }
    }
    if (!metrics.isEmpty() && best == null && !metrics.get(0).containsKey(key)) {
      LOG.warn("trial {}: metrics.jsonl has no {} (objective.metric); its metrics are {}", t.id(), key, metrics.get(0).keySet());
    }
    return t.progressed(curve.size(), best, bestAt, curve);
  }

  /** Starts trials while there is room: first those to continue, then new samples. */
  private void launch() {
    while (running.size() < cfg.budget().maxParallel()) {
      List<TrialRecord> trials = new ArrayList<>(state.trials());
      TrialRecord next = null;
      for (TrialRecord t : trials) {
        if (t.status() == TrialRecord.Status.PENDING && !running.containsKey(t.id())) {
          next = t;
          break;
        }
      }
      if (next == null) {
        if (trials.size() >= maxTrials()) {
          return;
        }
        int index = trials.size() + 1;
        Optional<Map<String, JsonNode>> params = sampler.next(index, history(trials));
        if (params.isEmpty()) {
          return;
        }
        next = TrialRecord.create(index, params.get(), Instant.now().toString());
        trials.add(next);
        LOG.info("trial {}: {}", next.id(), SearchSpace.overrides(next.params()));
      }
      int i = indexOf(trials, next.id());
      trials.set(i, start(next));
      state = withTrials(trials, "running", null);
      save();
    }
  }

  /** Observations for the sampler: finished trials with a value. */
  private static List<Sampler.Observation> history(List<TrialRecord> trials) {
    List<Sampler.Observation> out = new ArrayList<>();
    for (TrialRecord t : trials) {
      if (t.terminal() && t.value() != null) {
        out.add(new Sampler.Observation(t.params(), t.value()));
      }
    }
    return out;
  }

  /** Starts (or resumes) a trial's process; a trial whose job is invalid fails here without a process. */
  private TrialRecord start(TrialRecord t) {
    String now = Instant.now().toString();
    RunDirectory run = new RunDirectory(store.trialRun(t.id()));
    List<String> args;
    try {
      if (run.exists() && launcher.canResume() && hasCheckpoint(run)) {
        // the run's job.yaml holds absolute input paths, so its dataset may have another cache key than the base
        // job's: prepared here, once, rather than by several resumed trials at the same time
        dev.tandem.trainer.train.Datasets.resolve(JobConfig.load(run.job().toString(), List.of()), cacheRoot, Progress.NONE);
        args = List.of("train", "--resume", run.root().toString(), "--cache", cacheRoot);
        LOG.info("trial {}: resuming from its last checkpoint", t.id());
      } else {
        if (Fs.exists(run.root())) {
          LOG.info("trial {}: restarting (nothing to resume from in {})", t.id(), run.root());
          Fs.delete(run.root());
        }
        List<String> overrides = new ArrayList<>(fixedOverrides());
        overrides.addAll(SearchSpace.overrides(t.params()));
        JobConfig.load(basePath, overrides); // validates the trial's job: a bad value fails the trial, not the sweep
        args = trainArgs(t);
      }
    } catch (ConfigException e) {
      LOG.warn("trial {} failed: invalid job: {}", t.id(), e.getMessage());
      return t.launched(-1, TrialStore.host(), now).end(TrialRecord.Status.FAILED, now, 0, null, "invalid job: " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the run directory of trial " + t.id(), e);
    }
    File log = localLog(t);
    try {
      Process p = launcher.start(args, log);
      running.put(t.id(), new Running(p, log));
      return t.launched(p.pid(), TrialStore.host(), now);
    } catch (IOException e) {
      LOG.warn("trial {} failed: cannot start its process: {}", t.id(), e.toString());
      return t.launched(-1, TrialStore.host(), now).end(TrialRecord.Status.FAILED, now, 0, null, "cannot start: " + e.getMessage());
    }
  }

  private static boolean hasCheckpoint(RunDirectory run) {
    try {
      return Fs.exists(run.checkpoints()) && !Fs.list(run.checkpoints()).isEmpty() && Fs.exists(run.info());
    } catch (IOException e) {
      return false;
    }
  }

  /** Where the trial process writes its output: train.log in the sweep directory, or a local file copied there. */
  private File localLog(TrialRecord t) {
    try {
      if (store.isLocal()) {
        File f = TrialStore.file(store.trialLog(t.id()));
        Files.createDirectories(f.toPath().getParent());
        return f;
      }
      return File.createTempFile("tandem-trial-" + t.id() + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the log of trial " + t.id(), e);
    }
  }

  private void copyLog(TrialRecord t, Running r) {
    if (store.isLocal()) {
      return;
    }
    try {
      Path target = store.trialLog(t.id());
      byte[] previous = Fs.exists(target) ? Fs.readAll(target) : new byte[0];
      byte[] now = Files.readAllBytes(r.log.toPath());
      byte[] all = new byte[previous.length + now.length];
      System.arraycopy(previous, 0, all, 0, previous.length);
      System.arraycopy(now, 0, all, previous.length, now.length);
      Fs.writeAtomically(target, all);
      Files.deleteIfExists(r.log.toPath());
    } catch (IOException e) {
      LOG.warn("could not copy the log of trial {} to {}: {}", t.id(), store.trialLog(t.id()), e.toString());
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

  private static int indexOf(List<TrialRecord> trials, String id) {
    for (int i = 0; i < trials.size(); i++) {
      if (trials.get(i).id().equals(id)) {
        return i;
      }
    }
    throw new IllegalStateException("no trial " + id);
  }

  private SweepState withTrials(List<TrialRecord> trials, String status, String message) {
    return new SweepState(state.format(), state.name(), state.definitionSha256(), state.created(), Instant.now().toString(), status,
        state.elapsedSeconds(), state.sessions(), trials, message);
  }

  /** Writes state.json, with the elapsed time of this session added. */
  private void save() {
    state = new SweepState(state.format(), state.name(), state.definitionSha256(), state.created(), Instant.now().toString(),
        state.status(), elapsed(), state.sessions(), state.trials(), state.message());
    store.write(state);
  }

  /** "done 3 · running 2 · stopped 1 · failed 0 · best recall@10 0.1234 (0003)". */
  public String summary() {
    return state.summary(cfg.objective(), running.size());
  }
}
