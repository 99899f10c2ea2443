package dev.tandem.serving.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Assignment is a pure function of (salt, user): stable across calls, instances (restarts) and languages. */
class AssignmentTest {

  @Test
  void theBucketIsSha256OfSaltAndUserAsAnyLanguageComputesIt() {
    // computed independently with Python: int.from_bytes(sha256(b"exp1\0u42").digest()[:8], "big") >> 11 * 2**-53
    assertThat(Assignment.bucket("exp1", "u42")).isEqualTo(0.6994826266570375);
    assertThat(Assignment.bucket("exp1", "u7")).isEqualTo(0.9312036089674885);
    assertThat(Assignment.bucket("other", "u42")).isEqualTo(0.6092342819739842);
  }

  @Test
  void aUserKeepsTheArmAcrossRequestsAndRestartsAndTheSharesMatch() {
    Assignment first = Assignment.salted("exp1", 0.1);
    Map<String, Arm> seen = new HashMap<>();
    int challengers = 0;
    int n = 20_000;
    for (int u = 0; u < n; u++) {
      Arm a = first.arm("user-" + u);
      seen.put("user-" + u, a);
      challengers += a == Arm.CHALLENGER ? 1 : 0;
      assertThat(first.arm("user-" + u)).isEqualTo(a);
    }
    Assignment restarted = Assignment.salted("exp1", 0.1); // a new server process builds a new one
    seen.forEach((user, arm) -> assertThat(restarted.arm(user)).as(user).isEqualTo(arm));
    // binomial(20000, 0.1): sd 42; 5 sd either side
    assertThat(challengers).isBetween(2000 - 210, 2000 + 210);
  }

  @Test
  void raisingTheShareOnlyMovesUsersToTheChallengerAndANewSaltReshuffles() {
    Assignment small = Assignment.salted("exp1", 0.1);
    Assignment large = Assignment.salted("exp1", 0.3);
    Assignment resalted = Assignment.salted("exp2", 0.1);
    int moved = 0;
    int differ = 0;
    for (int u = 0; u < 5000; u++) {
      String user = "user-" + u;
      if (small.arm(user) == Arm.CHALLENGER) {
        assertThat(large.arm(user)).isEqualTo(Arm.CHALLENGER);
      } else if (large.arm(user) == Arm.CHALLENGER) {
        moved++;
      }
      differ += small.arm(user) != resalted.arm(user) ? 1 : 0;
    }
    assertThat(moved).isGreaterThan(800);
    assertThat(differ).isGreaterThan(700); // independent draws disagree for about 2 * 0.1 * 0.9 = 18% of users
    assertThatThrownBy(() -> Assignment.salted("exp1", 1.0)).hasMessageContaining("share");
    assertThatThrownBy(() -> Assignment.salted(" ", 0.5)).hasMessageContaining("salt");
  }
}
