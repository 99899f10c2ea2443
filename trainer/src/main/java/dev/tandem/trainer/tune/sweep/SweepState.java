package dev.tandem.trainer.tune.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code state.json} of a sweep directory: everything needed to continue a sweep where it stopped. Only the process
 * running the sweep writes it, always atomically (write, then rename over the old file).
 *
 * @param format           layout version of this file
 * @param name             the sweep's name
 * @param definitionSha256 hash of the sweep definition (space, objective, sampler, scheduler, resolved base job); a
 *                         re-run with a different definition is refused. The budget may change between runs.
 * @param created          when the sweep started
 * @param updated          when this file was written
 * @param status           running, finished, time_limit, interrupted or failed
 * @param elapsedSeconds   wall-clock time the sweep has run, over all its sessions
 * @param sessions         how many times the sweep was started
 * @param trials           every sampled trial, in sampling order
 * @param message          a note on the status (e.g. why the sweep failed)
 */
public record SweepState(int format, String name, String definitionSha256, String created, String updated, String status,
    double elapsedSeconds, int sessions, List<TrialRecord> trials, String message) {
  public static final int FORMAT = 1;

  public SweepState {
    trials = trials == null ? List.of() : List.copyOf(trials);
  }

  /**
   * A trial's record.
   *
   * @throws IllegalArgumentException when the sweep has no such trial
   */
  public TrialRecord trial(String id) {
    for (TrialRecord t : trials) {
      if (t.id().equals(id)) {
        return t;
      }
    }
    throw new IllegalArgumentException("the sweep " + name + " has no trial " + id);
  }

  /** This state with a trial's record replaced, or added after the others if the trial is new. */
  public SweepState withTrial(TrialRecord t) {
    List<TrialRecord> out = new ArrayList<>(trials);
    int i = 0;
    while (i < out.size() && !out.get(i).id().equals(t.id())) {
      i++;
    }
    if (i < out.size()) {
      out.set(i, t);
    } else {
      out.add(t);
    }
    return with(out, status, message);
  }

  /** This state with other trials, status and message (the rest as it is). */
  public SweepState with(List<TrialRecord> newTrials, String newStatus, String newMessage) {
    return new SweepState(format, name, definitionSha256, created, updated, newStatus, elapsedSeconds, sessions, newTrials, newMessage);
  }

  /** How many trials reached a final status. */
  public long terminalCount() {
    return trials.stream().filter(TrialRecord::terminal).count();
  }

  /**
   * One line: "done 3, running 2, stopped 1, failed 0, best recall@10 0.1234 (trial 0003)".
   *
   * @param runningNow how many trials have a process now (the state's running trials may belong to a dead session)
   */
  public String summary(SweepConfig.Objective objective, int runningNow) {
    int done = 0;
    int stopped = 0;
    int failed = 0;
    TrialRecord best = null;
    for (TrialRecord t : trials) {
      switch (t.status()) {
        case COMPLETED -> done++;
        case STOPPED -> stopped++;
        case FAILED -> failed++;
        default -> { }
      }
      if (t.value() != null && t.status() != TrialRecord.Status.FAILED && (best == null || objective.better(t.value(), best.value()))) {
        best = t;
      }
    }
    return String.format("done %d, running %d, stopped %d, failed %d, best %s", done, runningNow, stopped, failed,
        best == null ? "-" : String.format("%s %.4f (trial %s)", objective.metric(), best.value(), best.id()));
  }
}
