package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sweep's decisions, on a clock the test moves: no process runs and no time passes. */
class SweepSchedulerTest {
  static final String SWEEP = """
      name: s
      seed: 7
      base: job.yaml
      space:
        train.learning_rate: {type: loguniform, low: 0.001, high: 0.1}
      objective: {metric: recall@10}
      """;

  /** A clock that moves only when told. */
  static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final TestClock clock = new TestClock();

  SweepScheduler scheduler(String extra, int trialEpochs) {
    return SweepScheduler.of(SweepConfig.parse(SWEEP + extra, "sweep.yaml", ".").value(), trialEpochs, clock);
  }

  /** A running trial whose validation curve so far is {@code curve}. */
  static TrialRecord running(int index, Double... curve) {
    TrialRecord t = TrialRecord.create(index, java.util.Map.of(), "2026-03-01T10:00:00Z").launched(100 + index, "host", "2026-03-01T10:00:00Z");
    List<Double> c = List.of(curve);
    Double best = c.stream().filter(v -> v != null).max(Double::compare).orElse(null);
    return t.progressed(c.size(), best, best == null ? null : c.indexOf(best) + 1, c);
  }

  @Test
  void theTimeBudgetCountsEarlierSessionsAndThisOne() {
    SweepScheduler s = scheduler("budget: {max_trials: 5, max_parallel: 2, max_minutes: 10}\n", 4);
    s.startSession(540, List.of());
    assertThat(s.elapsedSeconds()).isEqualTo(540.0);
    clock.advance(Duration.ofSeconds(59));
    assertThat(s.timeBudgetSpent()).isFalse();
    assertThat(s.next(List.of(), Set.of())).isPresent();
    assertThat(s.judge(running(1, 0.1)).stop()).isFalse();

    clock.advance(Duration.ofSeconds(1));
    assertThat(s.elapsedSeconds()).isEqualTo(600.0);
    assertThat(s.timeBudgetSpent()).isTrue();
    // spent: nothing starts though there is room, and a running trial is to be stopped
    assertThat(s.next(List.of(), Set.of())).isEmpty();
    SweepScheduler.Verdict v = s.judge(running(1, 0.1));
    assertThat(v.stop()).isTrue();
    assertThat(v.stopReason()).isEqualTo(SweepScheduler.TIME_LIMIT);

    // without a budget, time never runs out
    SweepScheduler unlimited = scheduler("budget: {max_trials: 5}\n", 4);
    unlimited.startSession(1e9, List.of());
    clock.advance(Duration.ofDays(400));
    assertThat(unlimited.timeBudgetSpent()).isFalse();
  }

  @Test
  void aTrialToContinueStartsBeforeANewSampleWhileThereIsRoom() {
    SweepScheduler s = scheduler("budget: {max_trials: 3, max_parallel: 2}\n", 4);
    s.startSession(0, List.of());
    TrialRecord first = s.next(List.of(), Set.of()).orElseThrow();
    assertThat(first.index()).isEqualTo(1);
    assertThat(first.status()).isEqualTo(TrialRecord.Status.PENDING);
    assertThat(first.created()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(first.params()).containsOnlyKeys("train.learning_rate");

    List<TrialRecord> trials = new ArrayList<>(List.of(first.launched(1, "host", "t")));
    TrialRecord second = s.next(trials, Set.of("0001")).orElseThrow();
    assertThat(second.index()).isEqualTo(2);
    trials.add(second.launched(2, "host", "t"));
    // two running: no room
    assertThat(s.next(trials, Set.of("0001", "0002"))).isEmpty();

    // trial 2 was interrupted: it is continued before trial 3 is sampled
    trials.set(1, trials.get(1).interrupted(false, 5, TrialRecord.Status.PENDING));
    assertThat(s.next(trials, Set.of("0001")).orElseThrow().id()).isEqualTo("0002");

    trials.set(1, trials.get(1).end(TrialRecord.Status.COMPLETED, "t", 0, null, null));
    TrialRecord third = s.next(trials, Set.of("0001")).orElseThrow();
    assertThat(third.index()).isEqualTo(3);
    trials.add(third.end(TrialRecord.Status.COMPLETED, "t", 0, null, null));
    // max_trials sampled: nothing more, however much room there is
    assertThat(s.next(trials, Set.of())).isEmpty();
  }

  @Test
  void aGridRunsItsSizeAndDryRunsSeeItsTrialsAhead() {
    String grid = SWEEP.replace("{type: loguniform, low: 0.001, high: 0.1}", "{type: choice, values: [0.01, 0.003]}")
        + "sampler: {type: grid}\n";
    SweepScheduler s = SweepScheduler.of(SweepConfig.parse(grid, "sweep.yaml", ".").value(), 4, clock);
    assertThat(s.maxTrials()).isEqualTo(2);
    assertThat(s.knownInAdvance(1)).isTrue();
    assertThat(s.sampleAhead(1)).isPresent();
    assertThat(s.sampleAhead(3)).isEmpty();

    SweepScheduler tpe = scheduler("budget: {max_trials: 9}\nsampler: {type: tpe, startup_trials: 2}\n", 4);
    assertThat(tpe.knownInAdvance(2)).isTrue();
    assertThat(tpe.knownInAdvance(3)).isFalse();
    assertThat(tpe.sampleAhead(3)).isEmpty();
  }

  @Test
  void ashaStopsATrialThatLosesAtARungAndJudgesEachRungOnce() {
    // rungs at epochs 1 and 2 of 4
    SweepScheduler s = scheduler("budget: {max_trials: 9}\nscheduler: {type: asha, min_epochs: 1, eta: 2}\n", 4);
    s.startSession(0, List.of());

    SweepScheduler.Verdict a = s.judge(running(1, 0.5));
    assertThat(a.stop()).isFalse();
    assertThat(a.decisions()).hasSize(1);
    assertThat(a.trial().rungs()).containsEntry("1", 0.5);
    // judged at a rung once: the same epoch seen again decides nothing
    assertThat(s.judge(a.trial()).decisions()).isEmpty();

    // 2 values at rung 1, the top 1 continues: 0.3 loses
    SweepScheduler.Verdict b = s.judge(running(2, 0.3));
    assertThat(b.stop()).isTrue();
    assertThat(b.stopReason()).startsWith("ASHA: recall@10 0.3000 at epoch 1 ranks 2 of 2");
    assertThat(b.trial().rungs()).containsEntry("1", 0.3);

    // a trial's value at a rung is its best up to that rung, not a later epoch's
    SweepScheduler.Verdict c = s.judge(running(3, 0.1, 0.9));
    assertThat(c.trial().rungs()).containsEntry("1", 0.1).doesNotContainKey("2");
    assertThat(c.stop()).isTrue();

    // one look can pass several rungs: trial 1, seen again after epoch 3, is judged at rung 2 with its best of epochs 1-2
    TrialRecord later = running(1, 0.5, 0.4, 0.7).judgedAt(1, 0.5);
    SweepScheduler.Verdict d = s.judge(later);
    assertThat(d.decisions()).extracting(x -> x.rung()).containsExactly(2);
    assertThat(d.trial().rungs()).containsEntry("2", 0.5);
    assertThat(d.stop()).isFalse();

    // no early stopping: a trial is never judged
    SweepScheduler none = scheduler("budget: {max_trials: 9}\n", 4);
    assertThat(none.judge(running(1, 0.0, 0.0, 0.0)).decisions()).isEmpty();
    assertThat(none.judge(running(1, 0.0, 0.0, 0.0)).stop()).isFalse();
  }

  @Test
  void aResumedSchedulerComparesWithTheRungsRecordedBefore() {
    String asha = "budget: {max_trials: 9}\nscheduler: {type: asha, min_epochs: 1, eta: 2}\n";
    TrialRecord good = running(1, 0.6).judgedAt(1, 0.6).end(TrialRecord.Status.COMPLETED, "t", 1, null, null);
    TrialRecord judgedBefore = running(2, 0.7).judgedAt(1, 0.7).interrupted(false, 1, TrialRecord.Status.PENDING);
    SweepScheduler s = scheduler(asha, 4);
    s.startSession(30, List.of(good, judgedBefore));
    // the interrupted trial is not judged again at the rung it passed
    assertThat(s.judge(running(2, 0.7)).decisions()).isEmpty();
    // a new trial meets the recorded values: 0.65 ranks 2 of 3, the top 1 continues
    SweepScheduler.Verdict v = s.judge(running(3, 0.65));
    assertThat(v.stop()).isTrue();
    assertThat(v.stopReason()).contains("ranks 2 of 3");
    assertThat(s.elapsedSeconds()).isEqualTo(30.0);
  }

  @Test
  void ashaThatCouldStopNothingIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> scheduler("budget: {max_trials: 9}\nscheduler: {type: asha, min_epochs: 4}\n", 4))
        .isInstanceOf(ConfigException.class).hasMessageContaining("scheduler.min_epochs").hasMessageContaining("(4)");
    // the scheduler's own max_epochs overrides the job's epochs
    assertThat(scheduler("budget: {max_trials: 9}\nscheduler: {type: asha, min_epochs: 4, max_epochs: 8}\n", 4)).isNotNull();
  }
}
