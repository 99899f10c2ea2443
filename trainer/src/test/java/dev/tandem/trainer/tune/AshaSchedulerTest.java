package dev.tandem.trainer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AshaSchedulerTest {
  @Test
  void rungsAreMinEpochsTimesPowersOfEtaBelowTheBudget() {
    assertThat(new AshaScheduler(1, 3, 10, true).rungs()).containsExactly(1, 3, 9);
    assertThat(new AshaScheduler(2, 3, 18, true).rungs()).containsExactly(2, 6);
    assertThat(new AshaScheduler(2, 2, 16, true).rungs()).containsExactly(2, 4, 8);
    assertThat(new AshaScheduler(4, 3, 4, true).rungs()).isEmpty();
  }

  @Test
  void onlyTheTopThirdOfARungContinues() {
    AshaScheduler a = new AshaScheduler(1, 3, 10, true);
    // the first trial at a rung has nobody to lose to
    assertThat(a.report("1", 1, 0.50).proceed()).isTrue();
    // 2 values: keep max(1, 2/3) = 1; 0.40 ranks 2nd
    AshaScheduler.Decision d = a.report("2", 1, 0.40);
    assertThat(d.proceed()).isFalse();
    assertThat(d.rank()).isEqualTo(2);
    assertThat(d.keep()).isEqualTo(1);
    // a new best continues
    assertThat(a.report("3", 1, 0.60).proceed()).isTrue();
    assertThat(a.report("4", 1, 0.10).proceed()).isFalse();
    assertThat(a.report("5", 1, 0.20).proceed()).isFalse();
    // 6 values: keep 2; 0.55 ranks 2nd (after 0.60)
    d = a.report("6", 1, 0.55);
    assertThat(d.keep()).isEqualTo(2);
    assertThat(d.rank()).isEqualTo(2);
    assertThat(d.proceed()).isTrue();
    // rungs are independent
    assertThat(a.report("1", 3, 0.45).proceed()).isTrue();
    assertThat(a.recordedAt(1)).isEqualTo(6);
    assertThat(a.recordedAt(3)).isEqualTo(1);
    // ties favour the trial
    assertThat(a.report("7", 3, 0.45).proceed()).isTrue();
  }

  @Test
  void minimisingAndMissingValues() {
    AshaScheduler a = new AshaScheduler(1, 2, 8, false);
    assertThat(a.report("1", 1, 0.7).proceed()).isTrue();
    assertThat(a.report("2", 1, 0.5).proceed()).isTrue();   // 2 values, keep 1: 0.5 is the lowest
    assertThat(a.report("3", 1, 0.9).proceed()).isFalse();
    assertThat(a.report("4", 1, Double.NaN).proceed()).isFalse(); // no metric at the rung: stopped
    assertThatThrownBy(() -> a.report("5", 5, 0.1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRestoredSchedulerDecidesLikeTheOriginal() {
    AshaScheduler a = new AshaScheduler(1, 3, 10, true);
    double[] values = {0.3, 0.5, 0.1, 0.45, 0.2};
    for (int i = 0; i < values.length; i++) {
      a.report("t" + i, 1, values[i]);
    }
    AshaScheduler b = new AshaScheduler(1, 3, 10, true);
    for (int i = 0; i < values.length; i++) {
      b.restore("t" + i, 1, values[i]);
      b.restore("t" + i, 1, values[i]); // replaying twice records once
    }
    assertThat(b.recordedAt(1)).isEqualTo(5);
    assertThat(b.judged("t3", 1)).isTrue();
    assertThat(b.report("new", 1, 0.48)).isEqualTo(a.report("new", 1, 0.48));
    // a trial judged before is not recorded again
    b.report("t0", 1, 0.3);
    assertThat(b.recordedAt(1)).isEqualTo(6);
  }
}
