package dev.tandem.serving.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from the two logs: the delta-method interval by hand, a planted difference found, a planted ratio mismatch flagged. */
class AbReportTest {
  @TempDir
  Path dir;

  private Tracking open(String name, double share) throws Exception {
    return Tracking.open(Fs.path(dir.resolve(name + "/impressions").toString()), Fs.path(dir.resolve(name + "/feedback").toString()),
        new ServingConfig.Impressions(64, 10, null, null, null, null), name, share);
  }

  private AbReport.Report report(String name) throws Exception {
    return AbReport.read(Fs.path(dir.resolve(name + "/impressions").toString()), Fs.path(dir.resolve(name + "/feedback").toString()), 0.95);
  }

  private static void click(Tracking t, String id, String item, String event, double value) throws Exception {
    t.feedback(("{\"request_id\": \"" + id + "\", \"item\": \"" + item + "\", \"event\": \"" + event + "\", \"value\": " + value + "}")
        .getBytes(StandardCharsets.UTF_8), 1_700_000_000L);
  }

  @Test
  void theIntervalIsTheDeltaMethodOverUsers() throws Exception {
    try (Tracking t = open("hand", 0.5)) {
      // control: user a 2 impressions 1 click, b 1 impression no click, c 3 impressions 3 clicks
      int[][] plan = {{2, 1}, {1, 0}, {3, 3}};
      for (int u = 0; u < plan.length; u++) {
        for (int i = 0; i < plan[u][0]; i++) {
          String id = t.logged(TrackingTest.answer("c" + u, "control", List.of("i1", "i2"))).requestId();
          if (i < plan[u][1]) {
            click(t, id, "i2", "click", 1);
          }
        }
      }
      for (int u = 0; u < 3; u++) {
        String id = t.logged(TrackingTest.answer("t" + u, "challenger", List.of("i1", "i2"))).requestId();
        click(t, id, "i1", "click", 1);
        click(t, id, "i9", "click", 1); // not shown: counted, left out
      }
      click(t, "unknown-1", "i1", "click", 1);
    }
    AbReport.Report r = report("hand");
    AbReport.Rate c = r.arm("control").rates().get("click");
    assertThat(r.arm("control").users()).isEqualTo(3);
    assertThat(r.arm("control").impressions()).isEqualTo(6);
    assertThat(c.events()).isEqualTo(4);
    assertThat(c.rate()).isCloseTo(4 / 6.0, within(1e-12));
    // Var = (Var(X) - 2R Cov(X,N) + R² Var(N)) / (n mean(N)²) = (7/3 - 2 + 4/9) / 12 = 7/108, worked by hand
    double se = Math.sqrt(7 / 108.0);
    assertThat(c.low()).isCloseTo(4 / 6.0 - 1.959964 * se, within(1e-5));
    assertThat(c.high()).isCloseTo(4 / 6.0 + 1.959964 * se, within(1e-5));
    assertThat(r.arm("challenger").rates().get("click").rate()).isEqualTo(1.0);
    assertThat(r.counts().feedbackUnknownRequest()).isEqualTo(1);
    assertThat(r.counts().feedbackItemNotShown()).isEqualTo(3);
    assertThat(r.difference("click").difference()).isCloseTo(1 - 4 / 6.0, within(1e-12));
    assertThat(r.peeking()).contains("repeatedly");
  }

  @Test
  void theSampleRatioCheckIsAChiSquareTestOfUsersAgainstTheShare() {
    // reference values: chi = sum (observed - expected)^2 / expected, p = erfc(sqrt(chi / 2)) (Python's math.erfc)
    AbReport.Srm fine = AbReport.srm(520, 480, 0.5);
    assertThat(fine.chiSquare()).isCloseTo(1.6, within(1e-12));
    assertThat(fine.pValue()).isCloseTo(0.20590321073206833, within(1e-9));
    assertThat(fine.mismatch()).isFalse();
    AbReport.Srm off = AbReport.srm(1109, 729, 0.5);
    assertThat(off.pValue()).isCloseTo(7.746149562412857e-19, within(1e-21)); // far in the tail, not rounded to 0
    assertThat(off.mismatch()).isTrue();
    AbReport.Srm exact = AbReport.srm(900, 100, 0.1);
    assertThat(exact.chiSquare()).isZero();
    assertThat(exact.pValue()).isEqualTo(1.0);
  }

  @Test
  void aPlantedDifferenceIsFoundAndAPlantedRatioMismatchIsFlagged() throws Exception {
    for (String name : new String[] {"fair", "biased"}) {
      SplittableRandom rnd = new SplittableRandom(7);
      Assignment fair = Assignment.salted(name, 0.5);
      try (Tracking t = open(name, 0.5)) {
        for (int u = 0; u < 1500; u++) {
          String user = "user-" + u;
          Arm arm = fair.arm(user);
          if (name.equals("biased") && arm == Arm.CHALLENGER && u % 5 == 0) {
            arm = Arm.CONTROL; // the planted bug: a fifth of the challenger's users get the control
          }
          double ctr = arm == Arm.CHALLENGER ? 0.14 : 0.10;
          double userCtr = Math.min(1, ctr * (0.5 + rnd.nextDouble())); // users differ; the arms' means are the planted rates
          int impressions = 1 + rnd.nextInt(4);
          for (int i = 0; i < impressions; i++) {
            String id = t.logged(TrackingTest.answer(user, arm.value(), List.of("i1", "i2", "i3"))).requestId();
            if (rnd.nextDouble() < userCtr) {
              click(t, id, "i" + (1 + rnd.nextInt(3)), "click", 1);
              click(t, id, "i1", "watch", 30 + rnd.nextInt(60));
            }
          }
        }
      }
      AbReport.Report r = report(name);
      AbReport.Difference d = r.difference("click");
      if (name.equals("fair")) {
        assertThat(r.srm().mismatch()).as("srm p = %s", r.srm().pValue()).isFalse();
        assertThat(d.low()).isGreaterThan(0);
        assertThat(d.significant()).isTrue();
        assertThat(d.low()).isLessThan(0.04);
        assertThat(d.high()).isGreaterThan(0.04); // the planted difference is inside the interval
        assertThat(r.warnings()).isEmpty();
      } else {
        assertThat(r.srm().mismatch()).isTrue();
        assertThat(r.srm().observedShare()).isCloseTo(0.4, within(0.04));
        assertThat(r.warnings().get(0)).contains("sample ratio mismatch");
      }
      assertThat(r.difference("watch").valueDifference()).isGreaterThan(0);
    }
  }
}
