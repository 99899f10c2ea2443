package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011), one dimension at a time. The finished trials are
 * split into the best {@code gamma} share ("good") and the rest; per parameter, a density {@code l} is fitted to the
 * good trials' values and {@code g} to the others' (Gaussian kernels with adaptive widths plus a flat prior, truncated
 * to the range, in log space for log scales; smoothed counts for choices). Of {@code candidates} values drawn from
 * {@code l}, the one maximising {@code l/g} is taken. The first {@code startup} trials, and any trial while fewer than
 * {@code startup} have finished, are sampled exactly as {@link RandomSampler} would.
 */
public final class TpeSampler implements Sampler {
  private final SearchSpace space;
  private final long seed;
  private final boolean maximize;
  private final int startup;
  private final int candidates;
  private final double gamma;

  /**
   * A TPE sampler of {@code space}.
   *
   * @param seed       seeds every draw (with the trial's index)
   * @param maximize   whether a higher objective is better
   * @param startup    trials sampled at random before the model is used, and finished trials it needs
   * @param candidates values drawn from the good trials' density per parameter
   * @param gamma      the share of finished trials taken as good
   */
  public TpeSampler(SearchSpace space, long seed, boolean maximize, int startup, int candidates, double gamma) {
    this.space = space;
    this.seed = seed;
    this.maximize = maximize;
    this.startup = startup;
    this.candidates = candidates;
    this.gamma = gamma;
  }

  @Override
  public boolean knownInAdvance(int index) {
    return index <= startup;
  }

  @Override
  public Optional<Map<String, JsonNode>> next(int index, List<Observation> history) {
    List<Observation> obs = new ArrayList<>();
    for (Observation o : history) {
      if (Double.isFinite(o.value())) {
        obs.add(o);
      }
    }
    if (index <= startup || obs.size() < startup) {
      return new RandomSampler(space, seed).next(index, history);
    }
    Comparator<Observation> best = Comparator.comparingDouble(Observation::value);
    obs.sort(maximize ? best.reversed() : best);
    int nGood = Math.min(25, Math.max(1, (int) Math.ceil(gamma * obs.size())));
    List<Observation> good = obs.subList(0, nGood);
    List<Observation> bad = obs.subList(nGood, obs.size());
    SplittableRandom r = new SplittableRandom(Sampler.seedFor(seed, index, 0x79E));
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (SearchSpace.Param p : space.params()) {
      out.put(p.key(), p.categorical() ? categorical(p, good, bad, r) : numeric(p, good, bad, r));
    }
    return Optional.of(out);
  }

  private JsonNode categorical(SearchSpace.Param p, List<Observation> good, List<Observation> bad, SplittableRandom r) {
    int k = p.spec().values().size();
    double[] l = counts(p, good, k);
    double[] g = counts(p, bad, k);
    double lSum = Arrays.stream(l).sum();
    double gSum = Arrays.stream(g).sum();
    int bestIndex = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < candidates; c++) {
      double u = r.nextDouble() * lSum;
      int i = 0;
      while (i < k - 1 && u >= l[i]) {
        u -= l[i];
        i++;
      }
      double score = Math.log(l[i] / lSum) - Math.log(g[i] / gSum);
      if (score > bestScore) {
        bestScore = score;
        bestIndex = i;
      }
    }
    return p.spec().values().get(bestIndex);
  }

  /** Counts of each choice among the trials, plus a prior of one trial spread evenly over the choices. */
  private static double[] counts(SearchSpace.Param p, List<Observation> trials, int k) {
    double[] w = new double[k];
    Arrays.fill(w, 1.0 / k);
    for (Observation o : trials) {
      int i = p.index(o.params().get(p.key()));
      if (i >= 0) {
        w[i] += 1;
      }
    }
    return w;
  }

  private JsonNode numeric(SearchSpace.Param p, List<Observation> good, List<Observation> bad, SplittableRandom r) {
    double lo = p.lo();
    double hi = p.hi();
    Parzen l = Parzen.fit(coordinates(p, good), lo, hi);
    Parzen g = Parzen.fit(coordinates(p, bad), lo, hi);
    double bestX = l.sample(r);
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < candidates; c++) {
      double x = c == 0 ? bestX : l.sample(r);
      double score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) {
        bestScore = score;
        bestX = x;
      }
    }
    return p.fromCoordinate(bestX);
  }

  private static double[] coordinates(SearchSpace.Param p, List<Observation> trials) {
    return trials.stream().mapToDouble(o -> p.coordinate(o.params().get(p.key()))).filter(Double::isFinite).toArray();
  }

  /**
   * A mixture of Gaussians truncated to [lo, hi]: one per observation, with a width that adapts to the distance to its
   * neighbours (wide where observations are sparse), plus a broad prior centred on the range.
   */
  record Parzen(double[] mu, double[] sigma, double lo, double hi) {
    static Parzen fit(double[] points, double lo, double hi) {
      int n = points.length;
      double[] sorted = points.clone();
      Arrays.sort(sorted);
      double range = hi - lo;
      double minSigma = range / Math.min(100.0, 1.0 + n);
      double[] mu = new double[n + 1];
      double[] sigma = new double[n + 1];
      for (int i = 0; i < n; i++) {
        double left = i == 0 ? sorted[i] - lo : sorted[i] - sorted[i - 1];
        double right = i == n - 1 ? hi - sorted[i] : sorted[i + 1] - sorted[i];
        mu[i] = sorted[i];
        sigma[i] = Math.max(minSigma, Math.min(range, Math.max(left, right)));
      }
      mu[n] = (lo + hi) / 2;
      sigma[n] = range;
      return new Parzen(mu, sigma, lo, hi);
    }

    double logDensity(double x) {
      double sum = 0;
      for (int i = 0; i < mu.length; i++) {
        double mass = phi((hi - mu[i]) / sigma[i]) - phi((lo - mu[i]) / sigma[i]);
        double z = (x - mu[i]) / sigma[i];
        sum += Math.exp(-0.5 * z * z) / (sigma[i] * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
      }
      return Math.log(Math.max(sum / mu.length, 1e-300));
    }

    double sample(SplittableRandom r) {
      int i = r.nextInt(mu.length);
      for (int attempt = 0; attempt < 100; attempt++) {
        double x = mu[i] + sigma[i] * gaussian(r);
        if (x >= lo && x <= hi) {
          return x;
        }
      }
      return lo + r.nextDouble() * (hi - lo);
    }

    private static double gaussian(SplittableRandom r) {
      double u1 = 1.0 - r.nextDouble();
      double u2 = r.nextDouble();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Standard normal CDF (Abramowitz and Stegun 7.1.26; absolute error below 1.5e-7). */
    static double phi(double z) {
      double x = Math.abs(z) / Math.sqrt(2);
      double t = 1 / (1 + 0.3275911 * x);
      double erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
      return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
  }
}
