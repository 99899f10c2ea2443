package dev.tandem.trainer.tune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Asynchronous successive halving (ASHA, Li et al., MLSys 2020) over epochs, in its stopping form: rungs lie at
 * {@code min_epochs * eta^k} epochs below the trials' epoch budget. When a trial reaches a rung, its objective there
 * (the best value of its epochs so far) is recorded, and the trial continues only if that value is among the top
 * {@code max(1, floor(n / eta))} of the {@code n} values recorded at the rung so far, itself included. Nothing waits
 * for a rung to fill up, which is what lets trials run in parallel without synchronising; the price is that early
 * trials are judged against few others, so the first trial at a rung always continues.
 *
 * <p>Pure logic: no clock, no files. The sweep replays the recorded decisions after a restart with {@link #restore}.
 */
public final class AshaScheduler {
  private final int minEpochs;
  private final int eta;
  private final int maxEpochs;
  private final boolean maximize;
  private final List<Integer> rungs;
  private final Map<Integer, List<Double>> recorded = new HashMap<>();
  private final Set<String> judged = new HashSet<>();

  /**
   * @param minEpochs the first rung
   * @param eta       the reduction factor: about 1 in eta trials continues past each rung
   * @param maxEpochs the trials' epoch budget (rungs lie strictly below it)
   * @param maximize  whether larger objective values are better
   */
  public AshaScheduler(int minEpochs, int eta, int maxEpochs, boolean maximize) {
    if (minEpochs < 1 || eta < 2 || maxEpochs < 1) {
      throw new IllegalArgumentException("ASHA needs min_epochs >= 1, eta >= 2, max_epochs >= 1");
    }
    this.minEpochs = minEpochs;
    this.eta = eta;
    this.maxEpochs = maxEpochs;
    this.maximize = maximize;
    List<Integer> r = new ArrayList<>();
    for (long e = minEpochs; e < maxEpochs; e *= eta) {
      r.add((int) e);
    }
    this.rungs = List.copyOf(r);
  }

  /** The rung epochs, ascending. */
  public List<Integer> rungs() {
    return rungs;
  }

  /** The reduction factor: a trial continues past a rung when it is in the top 1/eta there. */
  public int eta() {
    return eta;
  }

  /** The first rung: every trial trains at least this many epochs. */
  public int minEpochs() {
    return minEpochs;
  }

  /** A trial's epoch budget; the rungs lie below it. */
  public int maxEpochs() {
    return maxEpochs;
  }

  /** How many values were recorded at a rung. */
  public int recordedAt(int rung) {
    return recorded.getOrDefault(rung, List.of()).size();
  }

  /** Whether a trial was already judged at a rung. */
  public boolean judged(String trial, int rung) {
    return judged.contains(trial + "@" + rung);
  }

  /**
   * A trial reached a rung with this objective value: records it and decides. A trial judged at a rung before gets
   * the same kind of answer without being recorded twice (it is compared with the values recorded so far).
   */
  public Decision report(String trial, int rung, double value) {
    if (!rungs.contains(rung)) {
      throw new IllegalArgumentException(rung + " is not a rung (rungs: " + rungs + ")");
    }
    List<Double> values = recorded.computeIfAbsent(rung, k -> new ArrayList<>());
    if (judged.add(trial + "@" + rung)) {
      values.add(value);
    }
    int n = values.size();
    int keep = Math.max(1, n / eta);
    // the trial's rank: 1 + how many recorded values are strictly better (ties favour the trial)
    int better = 0;
    for (double v : values) {
      if (Double.isNaN(value) ? !Double.isNaN(v) : maximize ? v > value : v < value) {
        better++;
      }
    }
    int rank = better + 1;
    boolean proceed = !Double.isNaN(value) && rank <= keep;
    return new Decision(proceed, rung, value, rank, n, keep);
  }

  /** Replays a decision recorded before a restart. */
  public void restore(String trial, int rung, double value) {
    if (rungs.contains(rung) && judged.add(trial + "@" + rung)) {
      recorded.computeIfAbsent(rung, k -> new ArrayList<>()).add(value);
    }
  }

  /**
   * The decision at a rung.
   *
   * @param proceed  whether the trial continues
   * @param rung     the rung's epoch
   * @param value    the trial's value there
   * @param rank     its rank among the values recorded at the rung (1 = best)
   * @param recorded how many values the rung holds
   * @param keep     how many of them continue (the top 1/eta, at least one)
   */
  public record Decision(boolean proceed, int rung, double value, int rank, int recorded, int keep) {
    /** One line for logs and the trial's record. */
    public String explain(String metric) {
      return String.format("%s %.4f at epoch %d ranks %d of %d; the top %d continue%s", metric, value, rung, rank, recorded, keep,
          proceed ? "" : ": stopped");
    }
  }
}
