package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigEnum;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial as the sweep's state records it. Immutable: the runner replaces a trial's record with an updated copy.
 *
 * @param id            zero-padded index ("0007"); also the name of its directory under trials/
 * @param index         1-based position in sampling order
 * @param status        pending, running, completed, stopped or failed
 * @param params        the sampled job keys and values
 * @param attempts      how many times a process was started for it (a resumed trial counts again)
 * @param interruptions how many times its process died from a signal the sweep did not send
 * @param created       when it was sampled
 * @param started       when its first process started
 * @param finished      when it reached a final status
 * @param seconds       time its processes ran, over all attempts
 * @param epochs        epochs it finished
 * @param value         its objective: the best epoch's value (so far, while running); with {@code objective.split: test},
 *                      once it finished, its best checkpoint's value on the test split (null until that is evaluated)
 * @param bestEpoch     the epoch of that value
 * @param curve         the objective's validation value per epoch (index 0 = epoch 1; null where missing)
 * @param rungs         ASHA: the rungs it was judged at, with the value recorded there
 * @param stopReason    why it was stopped (ASHA's decision, or the wall-clock limit)
 * @param error         why it failed
 * @param pid           the process running it (null when none)
 * @param host          the host of that process
 */
public record TrialRecord(String id, int index, Status status, Map<String, JsonNode> params, int attempts, int interruptions, String created,
    String started, String finished, double seconds, int epochs, Double value, Integer bestEpoch, List<Double> curve,
    Map<String, Double> rungs, String stopReason, String error, Long pid, String host) {

  public TrialRecord {
    params = params == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(params));
    // missing values (an epoch without the metric) are null, not NaN: NaN is not JSON
    curve = curve == null ? List.of()
        : Collections.unmodifiableList(new ArrayList<>(curve.stream().map(d -> d == null || d.isNaN() ? null : d).toList()));
    rungs = rungs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(rungs));
  }

  /** A new trial, sampled now. */
  public static TrialRecord create(int index, Map<String, JsonNode> params, String now) {
    return new TrialRecord(String.format("%04d", index), index, Status.PENDING, params, 0, 0, now, null, null, 0, 0, null, null, null,
        null, null, null, null, null);
  }

  /** Whether the trial reached a final status (completed, stopped or failed): a sweep never runs it again. */
  public boolean terminal() {
    return status == Status.COMPLETED || status == Status.STOPPED || status == Status.FAILED;
  }

  /** Started again: one more attempt, running under {@code pid}. */
  public TrialRecord launched(long processId, String hostName, String now) {
    return new TrialRecord(id, index, Status.RUNNING, params, attempts + 1, interruptions, created, started == null ? now : started, null,
        seconds, epochs, value, bestEpoch, curve, rungs, null, null, processId, hostName);
  }

  /** Its process ended without a verdict (the sweep was stopped, or the process was killed by someone else). */
  public TrialRecord interrupted(boolean bySomeoneElse, double ranSeconds, Status next) {
    return new TrialRecord(id, index, next, params, attempts, interruptions + (bySomeoneElse ? 1 : 0), created, started, finished,
        seconds + ranSeconds, epochs, value, bestEpoch, curve, rungs, stopReason, error, null, host);
  }

  /** New metrics from its run. */
  public TrialRecord progressed(int epochsDone, Double best, Integer bestAt, List<Double> values) {
    return new TrialRecord(id, index, status, params, attempts, interruptions, created, started, finished, seconds, epochsDone, best, bestAt,
        values, rungs, stopReason, error, pid, host);
  }

  /** Judged by ASHA at a rung. */
  public TrialRecord judgedAt(int rung, double rungValue) {
    Map<String, Double> r = new LinkedHashMap<>(rungs);
    r.put(String.valueOf(rung), rungValue);
    return new TrialRecord(id, index, status, params, attempts, interruptions, created, started, finished, seconds, epochs, value, bestEpoch,
        curve, r, stopReason, error, pid, host);
  }

  /** A final status. */
  public TrialRecord end(Status s, String now, double ranSeconds, String reason, String err) {
    return new TrialRecord(id, index, s, params, attempts, interruptions, created, started, now, seconds + ranSeconds, epochs, value,
        bestEpoch, curve, rungs, reason, err, null, host);
  }

  /** The final objective value (e.g. from the test split). */
  public TrialRecord withValue(Double v) {
    return new TrialRecord(id, index, status, params, attempts, interruptions, created, started, finished, seconds, epochs, v, bestEpoch,
        curve, rungs, stopReason, error, pid, host);
  }

  /** The states of a trial. */
  public enum Status implements ConfigEnum {
    /** sampled, not running (not started yet, or to be resumed) */
    PENDING,
    /** a process is training it */
    RUNNING,
    /** trained to the end (its epoch budget or its own early stopping) */
    COMPLETED,
    /** stopped early by the scheduler or the wall-clock limit; its checkpoints and metrics so far are kept */
    STOPPED,
    /** its job was invalid or its process failed; the error is recorded */
    FAILED
  }
}
