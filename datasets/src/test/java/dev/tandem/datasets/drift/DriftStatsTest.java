package dev.tandem.datasets.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.datasets.profile.FeatureProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The statistics against values computed once with numpy 2 / scipy 1.17 (python3):
 *
 * <pre>
 * import numpy as np; from scipy.spatial import distance; from scipy import special, stats
 * rp, cp = shares([100,200,300,400]), shares([150,250,250,350])
 * np.sum((cp-rp)*np.log(cp/rp))                      # psi1  = 0.04722308044204256
 * distance.jensenshannon(rp, cp)                     # js1   = 0.07668497816148617
 * # an empty bin: [50,50,0] vs [40,40,20], zero shares replaced by 1e-4 (Evidently's convention) for PSI
 *                                                    # psi2  = 1.5640491119253044, js2 = 0.27364532084863846
 * # N(0,1) against N(0.5,1) on the deciles of N(0,1) (edges = stats.norm.ppf(k/10)), exact bin probabilities
 *                                                    # psi = 0.23774920468627586, js = 0.17041019763705312, ks = 0.1974115683984804
 * special.kolmogorov(1.0), (0.5), (1.36)             # 0.26999967167735456, 0.9639452436648751, 0.049485876755377876
 * </pre>
 */
class DriftStatsTest {
  static final double[] NORMAL_EDGES = {-1.2815515655446004, -0.8416212335729142, -0.5244005127080409, -0.2533471031357997, 0.0,
      0.2533471031357997, 0.5244005127080407, 0.8416212335729143, 1.2815515655446004};
  /** P(bin) under N(0.5, 1) for the deciles of N(0, 1). */
  static final double[] SHIFTED = {0.037411194400060126, 0.05244822452330639, 0.06296365102928803, 0.07279761032845966,
      0.08291685844487268, 0.0940508928755327, 0.10714499871517291, 0.12394859192391194, 0.14907889733209034, 0.21723908042730522};

  @Test
  void psiAndJensenShannonMatchScipy() {
    double[] r = {100, 200, 300, 400};
    double[] c = {150, 250, 250, 350};
    assertThat(DriftStats.psi(r, c)).isCloseTo(0.04722308044204256, within(1e-12));
    assertThat(DriftStats.jensenShannon(r, c)).isCloseTo(0.07668497816148617, within(1e-12));
    assertThat(DriftStats.psi(r, r)).isZero();
    assertThat(DriftStats.jensenShannon(r, r)).isZero();
  }

  @Test
  void anEmptyBinCountsAsATinyShareInPsiAndAsZeroInJensenShannon() {
    double[] r = {50, 50, 0};
    double[] c = {40, 40, 20};
    assertThat(DriftStats.psi(r, c)).isCloseTo(1.5640491119253044, within(1e-12));
    assertThat(DriftStats.jensenShannon(r, c)).isCloseTo(0.27364532084863846, within(1e-12));
  }

  @Test
  void aHalfSigmaShiftOfANormalOnItsDecilesMatchesTheExactValues() {
    double[] r = new double[10];
    java.util.Arrays.fill(r, 0.1);
    assertThat(DriftStats.psi(r, SHIFTED)).isCloseTo(0.23774920468627586, within(1e-12));
    assertThat(DriftStats.jensenShannon(r, SHIFTED)).isCloseTo(0.17041019763705312, within(1e-12));
    assertThat(DriftStats.ksStatistic(r, SHIFTED)).isCloseTo(0.1974115683984804, within(1e-12));
  }

  @Test
  void kolmogorovSurvivalMatchesScipy() {
    assertThat(DriftStats.kolmogorovSurvival(1.0)).isCloseTo(0.26999967167735456, within(1e-12));
    assertThat(DriftStats.kolmogorovSurvival(0.5)).isCloseTo(0.9639452436648751, within(1e-12));
    assertThat(DriftStats.kolmogorovSurvival(1.36)).isCloseTo(0.049485876755377876, within(1e-12));
    assertThat(DriftStats.kolmogorovSurvival(0.1)).isCloseTo(1.0, within(1e-12));
    // p-value of D with n = 8, m = 10: Q(sqrt(80/18) * 0.575) = special.kolmogorov(1.2122...) = 0.10583331093738671
    assertThat(DriftStats.ksPValue(0.575, 8, 10)).isCloseTo(0.10583331093738671, within(1e-12));
  }

  @Test
  void refusesBinsThatDoNotLineUpOrHoldNothing() {
    assertThatThrownBy(() -> DriftStats.psi(new double[] {1, 2}, new double[] {1, 2, 3})).hasMessageContaining("2 bins but current has 3");
    assertThatThrownBy(() -> DriftStats.jensenShannon(new double[] {0, 0}, new double[] {1, 2})).hasMessageContaining("reference has no");
  }

  /** The histogram of a numeric profile: the exact shifted normal, 100,000 events. */
  private static FeatureProfile.Numeric normal(double[] shares, List<Double> edges, double min, double max) {
    List<Long> h = java.util.Arrays.stream(shares).mapToObj(s -> Math.round(s * 100_000)).toList();
    return new FeatureProfile.Numeric(h.stream().mapToLong(Long::longValue).sum(), 0, 0, 1, min, max, Map.of(), edges, h);
  }

  @Test
  void aNumericFeatureShiftedByHalfASigmaWarnsAndItsPsiIsTheExactOne() {
    List<Double> edges = java.util.Arrays.stream(NORMAL_EDGES).boxed().toList();
    double[] tenth = new double[10];
    java.util.Arrays.fill(tenth, 0.1);
    FeatureDrift f = DriftAnalysis.feature("x", normal(tenth, edges, -4, 4), normal(SHIFTED, edges, -3.5, 4.5), DriftThresholds.DEFAULT);
    assertThat(f.psi()).isCloseTo(0.23774920468627586, within(1e-4)); // counts rounded to 1/100,000
    assertThat(f.ks()).isCloseTo(0.1974115683984804, within(1e-4));
    assertThat(f.ksPValue()).isLessThan(1e-10);
    assertThat(f.status()).isEqualTo(DriftStatus.WARN); // psi in [0.1, 0.25), js 0.17 in [0.1, 0.2)
    assertThat(f.reasons()).anySatisfy(r -> assertThat(r).startsWith("psi 0.238 >= 0.1"));
    FeatureDrift same = DriftAnalysis.feature("x", normal(tenth, edges, -4, 4), normal(tenth, edges, -4, 4), DriftThresholds.DEFAULT);
    assertThat(same.status()).isEqualTo(DriftStatus.OK);
    assertThat(same.psi()).isZero();
  }

  @Test
  void aHistogramOnOtherEdgesIsReBinnedByInterpolation() {
    // reference: uniform on [0, 10) in 10 bins of width 1 (edges 1..9); current: the same uniform on edges 2, 4, 6, 8
    List<Double> refEdges = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
    FeatureProfile.Numeric ref = new FeatureProfile.Numeric(1000, 0, 5, 2.9, 0, 10, Map.of(), refEdges, java.util.Collections.nCopies(10, 100L));
    FeatureProfile.Numeric cur = new FeatureProfile.Numeric(1000, 0, 5, 2.9, 0, 10, Map.of(), List.of(2.0, 4.0, 6.0, 8.0),
        java.util.Collections.nCopies(5, 200L));
    DriftAnalysis.Bins b = DriftAnalysis.numeric(ref, cur);
    assertThat(b.current()).containsExactly(100, 100, 100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(b.note()).contains("re-binned");
    assertThat(DriftStats.psi(b.reference(), b.current())).isZero();
  }

  @Test
  void categoricalBinsAreTheReferenceTopValuesPlusOtherAndMissing() {
    List<FeatureProfile.ValueCount> refTop = List.of(new FeatureProfile.ValueCount("a", 500), new FeatureProfile.ValueCount("b", 300));
    List<FeatureProfile.ValueCount> curTop = List.of(new FeatureProfile.ValueCount("c", 600), new FeatureProfile.ValueCount("a", 200));
    // current: c 600 and a 200 on top, 200 others (b among them, exact count unknown), 100 missing
    DriftAnalysis.Bins b = DriftAnalysis.categorical(refTop, 200, 0, curTop, 200, 100, 1000, true);
    assertThat(b.labels()).containsExactly("a", "b", "(other)", "(missing)");
    assertThat(b.reference()).containsExactly(500, 300, 200, 0);
    assertThat(b.current()).containsExactly(200, 0, 800, 100);
    assertThat(b.note()).contains("1 reference top values");
    FeatureProfile.Categorical r = new FeatureProfile.Categorical(1000, 0, 3, 0, refTop, 200);
    FeatureProfile.Categorical c = new FeatureProfile.Categorical(1000, 100, 3, 600, curTop, 200);
    FeatureDrift f = DriftAnalysis.feature("item", r, c, DriftThresholds.DEFAULT);
    assertThat(f.status()).isEqualTo(DriftStatus.ALERT);
    assertThat(f.oovCurrent()).isEqualTo(0.6);
    assertThat(f.reasons()).anySatisfy(x -> assertThat(x).startsWith("oov rate rise 0.600 >= 0.2"));
  }

  @Test
  void theDatasetAlertsWhenAShareOfItsFeaturesDriftCountedFromTheConfiguredLevel() {
    List<Double> edges = java.util.Arrays.stream(NORMAL_EDGES).boxed().toList();
    double[] tenth = new double[10];
    java.util.Arrays.fill(tenth, 0.1);
    FeatureProfile.Numeric flat = normal(tenth, edges, -4, 4);
    FeatureProfile.Numeric shifted = normal(SHIFTED, edges, -3.5, 4.5); // warns (psi 0.238)
    dev.tandem.datasets.profile.SplitProfile ref = new dev.tandem.datasets.profile.SplitProfile(100_000, 10, 10, 0.5, 1, 0L, 1L,
        Map.of("a", flat, "b", flat));
    dev.tandem.datasets.profile.SplitProfile cur = new dev.tandem.datasets.profile.SplitProfile(100_000, 10, 10, 0.5, 1, 0L, 1L,
        Map.of("a", shifted, "b", flat));
    DriftReport half = DriftAnalysis.compare("ref", ref, "cur", cur, DriftThresholds.DEFAULT);
    assertThat(half.driftedShare()).isEqualTo(0.5);
    assertThat(half.status()).as("1 of 2 features warn: 50% >= drift_share 50%").isEqualTo(DriftStatus.ALERT);
    DriftThresholds alertsOnly = DriftThresholds.of(null, null, null, null, null, null, DriftStatus.ALERT);
    DriftReport strict = DriftAnalysis.compare("ref", ref, "cur", cur, alertsOnly);
    assertThat(strict.driftedShare()).isZero();
    assertThat(strict.status()).as("a warning counts only from feature_drift_at: alert on").isEqualTo(DriftStatus.WARN);
    assertThat(DriftAnalysis.compare("ref", ref, "cur", ref, DriftThresholds.DEFAULT).status()).isEqualTo(DriftStatus.OK);
  }
}
