package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigException;
import dev.tandem.trainer.tune.AshaScheduler;
import dev.tandem.trainer.tune.GridSampler;
import dev.tandem.trainer.tune.Sampler;
import dev.tandem.trainer.tune.SearchSpace;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decisions of a sweep, and nothing else: which trial starts next (one to continue, or a new sample), whether a
 * running trial is stopped at an ASHA rung, and whether the wall-clock budget is spent. It starts no process and
 * reads no file; time comes from the {@link Clock} it is given, so its decisions can be replayed and tested without
 * waiting. Not thread-safe, except {@link #now} and {@link #elapsedSeconds}: the sweep's loop is its only other caller.
 */
public final class SweepScheduler {
  /** The stop reason of trials still running when the wall-clock budget is spent. */
  public static final String TIME_LIMIT = "wall-clock limit of the sweep reached";

  private final SweepConfig.Objective objective;
  private final Sampler sampler;
  private final AshaScheduler asha;
  private final int maxTrials;
  private final int maxParallel;
  private final Double maxMinutes;
  private final Clock clock;
  // read by now() and elapsedSeconds(), which other threads may call (the sweep's shutdown hook)
  private volatile Instant sessionStart;
  private volatile double earlierSeconds;

  /**
   * @param objective   what trials are judged by
   * @param sampler     chooses new trials' parameters
   * @param asha        stops weak trials at its rungs; null for no early stopping
   * @param maxTrials   trials in all (null: as many as the sampler gives)
   * @param maxParallel trials running at once
   * @param maxMinutes  wall-clock budget over all sessions (null: none)
   * @param clock       the time source of the budget and of the records' timestamps
   */
  public SweepScheduler(SweepConfig.Objective objective, Sampler sampler, AshaScheduler asha, Integer maxTrials, int maxParallel,
      Double maxMinutes, Clock clock) {
    this.objective = objective;
    this.sampler = sampler;
    this.asha = asha;
    int n = maxTrials != null ? maxTrials : Integer.MAX_VALUE;
    if (sampler instanceof GridSampler g) {
      n = (int) Math.min(n, g.size());
    }
    this.maxTrials = n;
    this.maxParallel = maxParallel;
    this.maxMinutes = maxMinutes;
    this.clock = clock;
    this.sessionStart = clock.instant();
  }

  /**
   * The scheduler a sweep file asks for.
   *
   * @param trialEpochs the trials' epoch budget (the base job's train.epochs), below which ASHA's rungs lie unless the
   *                    scheduler names its own max_epochs
   * @throws ConfigException naming the key when ASHA could stop nothing or the space cannot be sampled
   */
  public static SweepScheduler of(SweepConfig cfg, int trialEpochs, Clock clock) {
    Sampler sampler = Sampler.of(cfg.sampler(), SearchSpace.of(cfg.space()), cfg.seed(), cfg.objective().maximize());
    AshaScheduler asha = null;
    if (cfg.scheduler().type() == SweepConfig.Scheduler.Type.ASHA) {
      int max = cfg.scheduler().maxEpochs() != null ? cfg.scheduler().maxEpochs() : trialEpochs;
      if (max <= cfg.scheduler().minEpochs()) {
        throw new ConfigException("scheduler.min_epochs", "must be below the trials' epochs (" + max + ") for ASHA to stop anything");
      }
      asha = new AshaScheduler(cfg.scheduler().minEpochs(), cfg.scheduler().eta(), max, cfg.objective().maximize());
    }
    return new SweepScheduler(cfg.objective(), sampler, asha, cfg.budget().maxTrials(), cfg.budget().maxParallel(), cfg.budget().maxMinutes(),
        clock);
  }

  /**
   * Starts this session's clock and replays what earlier sessions decided: their wall-clock time counts against the
   * budget, and the values recorded at ASHA rungs are what later trials are compared with.
   */
  public void startSession(double earlierSessionsSeconds, List<TrialRecord> trials) {
    this.sessionStart = clock.instant();
    this.earlierSeconds = earlierSessionsSeconds;
    if (asha != null) {
      for (TrialRecord t : trials) {
        t.rungs().forEach((rung, v) -> asha.restore(t.id(), Integer.parseInt(rung), v == null ? Double.NaN : v));
      }
    }
  }

  /** Now, by the scheduler's clock (for the records' timestamps). */
  public Instant now() {
    return clock.instant();
  }

  /** Wall-clock seconds the sweep has run: earlier sessions and this one. */
  public double elapsedSeconds() {
    return earlierSeconds + Duration.between(sessionStart, clock.instant()).toNanos() / 1e9;
  }

  /** Whether the wall-clock budget is spent: then no trial starts and running ones are stopped. */
  public boolean timeBudgetSpent() {
    return maxMinutes != null && elapsedSeconds() >= maxMinutes * 60;
  }

  /** How many trials the sweep runs in all (a grid's size if the budget does not say). */
  public int maxTrials() {
    return maxTrials;
  }

  /**
   * The trial to start now, if any: first a sampled trial that is not running (one to continue), else a new sample.
   * Nothing starts when {@code max_parallel} trials run, the budget is spent, every trial was sampled, or the sampler
   * has nothing left.
   *
   * @param trials  every trial so far, in sampling order
   * @param running the trials whose process runs now
   * @return a trial of {@code trials}, or a new one with the next index (not yet in {@code trials})
   */
  public Optional<TrialRecord> next(List<TrialRecord> trials, Set<String> running) {
    if (running.size() >= maxParallel || timeBudgetSpent()) {
      return Optional.empty();
    }
    for (TrialRecord t : trials) {
      if (t.status() == TrialRecord.Status.PENDING && !running.contains(t.id())) {
        return Optional.of(t);
      }
    }
    if (trials.size() >= maxTrials) {
      return Optional.empty();
    }
    int index = trials.size() + 1;
    return sampler.next(index, history(trials)).map(p -> TrialRecord.create(index, p, now().toString()));
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

  /**
   * The parameters trial {@code index} will have, as far as they are known before any trial finished (for
   * {@code --dry-run}); empty when the sampler needs results first or has nothing left.
   */
  public Optional<Map<String, JsonNode>> sampleAhead(int index) {
    return sampler.knownInAdvance(index) ? sampler.next(index, List.of()) : Optional.empty();
  }

  /** Whether trial {@code index}'s parameters can be known before any trial finished. */
  public boolean knownInAdvance(int index) {
    return sampler.knownInAdvance(index);
  }

  /**
   * What becomes of a running trial: ASHA judges it at every rung its epochs have reached and it was not judged at;
   * a trial that loses at a rung, or that runs when the budget is spent, is to be stopped.
   *
   * @param t the trial's record, up to date with its run's metrics
   * @return its record with the values recorded at the rungs it was judged at now, and the decision
   */
  public Verdict judge(TrialRecord t) {
    List<AshaScheduler.Decision> decisions = new ArrayList<>();
    TrialRecord judged = t;
    if (asha != null) {
      for (int rung : asha.rungs()) {
        if (judged.epochs() >= rung && !asha.judged(t.id(), rung)) {
          double v = bestUpTo(judged.curve(), rung);
          AshaScheduler.Decision d = asha.report(t.id(), rung, v);
          judged = judged.judgedAt(rung, v);
          decisions.add(d);
          if (!d.proceed()) {
            return new Verdict(judged, decisions, "ASHA: " + d.explain(objective.metric()));
          }
        }
      }
    }
    return new Verdict(judged, decisions, timeBudgetSpent() ? TIME_LIMIT : null);
  }

  /** The best objective value among the first {@code epochs} epochs of a curve (NaN if none). */
  private double bestUpTo(List<Double> curve, int epochs) {
    double best = Double.NaN;
    for (int e = 0; e < Math.min(epochs, curve.size()); e++) {
      Double v = curve.get(e);
      if (v != null && objective.better(v, best)) {
        best = v;
      }
    }
    return best;
  }

  /**
   * A decision on a running trial.
   *
   * @param trial      its record, with the rungs it was judged at
   * @param decisions  ASHA's decisions made now (for the log), in rung order
   * @param stopReason why it is to be stopped; null when it goes on
   */
  public record Verdict(TrialRecord trial, List<AshaScheduler.Decision> decisions, String stopReason) {
    public Verdict {
      decisions = List.copyOf(decisions);
    }

    /** Whether the trial is to be stopped. */
    public boolean stop() {
      return stopReason != null;
    }
  }
}
