package dev.tandem.datasets.drift;

/**
 * The drift statistics of two distributions given as counts over the same bins. Conventions (Evidently's, so numbers
 * compare with what that library reports): shares are counts over their total; PSI replaces an empty bin's share by
 * {@link #EMPTY_SHARE}; logarithms are natural.
 */
public final class DriftStats {
  /** The share an empty bin counts as in PSI, where log(0) would make one new value infinitely surprising. */
  public static final double EMPTY_SHARE = 1e-4;

  private DriftStats() {}

  /**
   * Population stability index: sum over bins of (current - reference) * ln(current / reference), on shares.
   * 0 for identical distributions; by the common rule of thumb below 0.1 is stable, 0.1-0.25 a moderate shift, above
   * 0.25 a major one. Throws {@link IllegalArgumentException} when the bins differ in number or either side is empty.
   */
  public static double psi(double[] reference, double[] current) {
    double[] r = shares(reference, "reference");
    double[] c = shares(current, "current");
    same(r, c);
    double psi = 0;
    for (int i = 0; i < r.length; i++) {
      double ri = r[i] == 0 ? EMPTY_SHARE : r[i];
      double ci = c[i] == 0 ? EMPTY_SHARE : c[i];
      psi += (ci - ri) * Math.log(ci / ri);
    }
    return psi;
  }

  /**
   * Jensen-Shannon distance (natural log), the square root of the Jensen-Shannon divergence as scipy's
   * {@code spatial.distance.jensenshannon} computes it: 0 for identical distributions, at most sqrt(ln 2) ≈ 0.833.
   */
  public static double jensenShannon(double[] reference, double[] current) {
    double[] r = shares(reference, "reference");
    double[] c = shares(current, "current");
    same(r, c);
    double js = 0;
    for (int i = 0; i < r.length; i++) {
      double m = (r[i] + c[i]) / 2;
      js += term(r[i], m) + term(c[i], m);
    }
    return Math.sqrt(Math.max(0, js / 2));
  }

  private static double term(double p, double m) {
    return p == 0 ? 0 : p * Math.log(p / m);
  }

  /**
   * Kolmogorov-Smirnov statistic of two ordered histograms: the largest gap between their cumulative shares at the bin
   * edges. On binned data it is a lower bound of the statistic of the raw values (gaps inside a bin are not seen).
   */
  public static double ksStatistic(double[] reference, double[] current) {
    double[] r = shares(reference, "reference");
    double[] c = shares(current, "current");
    same(r, c);
    double cr = 0;
    double cc = 0;
    double d = 0;
    for (int i = 0; i < r.length; i++) {
      cr += r[i];
      cc += c[i];
      d = Math.max(d, Math.abs(cr - cc));
    }
    return d;
  }

  /**
   * Asymptotic p-value of a two-sample KS statistic {@code d} with sample sizes n and m: the Kolmogorov distribution's
   * survival function at sqrt(n m / (n + m)) d (scipy's {@code special.kolmogorov}). With the event counts of a log (tens of
   * thousands) almost any shift is "significant", which is why the verdicts rest on PSI and Jensen-Shannon and the
   * p-value is reported beside them.
   */
  public static double ksPValue(double d, double n, double m) {
    if (n <= 0 || m <= 0) {
      return Double.NaN;
    }
    return kolmogorovSurvival(Math.sqrt(n * m / (n + m)) * d);
  }

  /** Q(x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2), the limiting distribution of sqrt(n) D. */
  static double kolmogorovSurvival(double x) {
    if (x <= 0) {
      return 1;
    }
    if (x < 0.2) {
      // the alternating series converges slowly here; use the other form, 1 - sqrt(2 pi)/x sum exp(-(2k-1)^2 pi^2 / (8 x^2))
      double s = 0;
      for (int k = 1; k <= 50; k++) {
        s += Math.exp(-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI / (8 * x * x));
      }
      return 1 - Math.sqrt(2 * Math.PI) / x * s;
    }
    double s = 0;
    for (int k = 1; k <= 100; k++) {
      double t = Math.exp(-2.0 * k * k * x * x);
      s += (k % 2 == 1 ? t : -t);
      if (t < 1e-16) {
        break;
      }
    }
    return Math.max(0, Math.min(1, 2 * s));
  }

  /** Counts as shares of their total. */
  static double[] shares(double[] counts, String what) {
    double total = 0;
    for (double x : counts) {
      if (x < 0 || !Double.isFinite(x)) {
        throw new IllegalArgumentException(what + " has a negative or non-finite count: " + x);
      }
      total += x;
    }
    if (total <= 0) {
      throw new IllegalArgumentException(what + " has no observations");
    }
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = counts[i] / total;
    }
    return out;
  }

  private static void same(double[] r, double[] c) {
    if (r.length != c.length) {
      throw new IllegalArgumentException("reference has " + r.length + " bins but current has " + c.length);
    }
  }
}
