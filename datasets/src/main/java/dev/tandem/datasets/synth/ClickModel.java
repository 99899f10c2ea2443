package dev.tandem.datasets.synth;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The ground truth of a synthetic log's users, for simulated experiments: the probability that a user clicks an item
 * shown at a position, from the same planted preferences {@link SyntheticGenerator} draws its events from. A model that
 * learned those preferences shows items users click more; a simulated experiment decides clicks with this model and
 * checks that an A/B report finds the better model.
 *
 * <p>Click = examined × attracted. Attracted: the generator logs a click when the watched fraction
 * {@code sigmoid(1.5 · affinity − 3 + 0.8 · noise)} exceeds 0.15, with {@code affinity = taste · item} (the user's fixed
 * taste: the day-to-day drift and recent interest are left out, a user here has no history); so
 * {@code P(attracted) = Φ((1.5 · affinity − 3 − logit(0.15)) / 0.8)}. Examined: a position bias of
 * {@code 1 / log2(1 + position)} (position 1 is always looked at), the usual cascade-like decay of attention down a list.
 *
 * <p>Built from the generator's parameters alone (the same users, items and latent vectors for the same parameters);
 * immutable and thread-safe.
 */
public final class ClickModel {
  private static final double LOGIT_CLICK = Math.log(0.15 / 0.85);
  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1); // no random generator: only its CDF is used
  private final SyntheticGenerator.World world;

  private ClickModel(SyntheticGenerator.World world) {
    this.world = world;
  }

  /** The click model of the log {@code params} generate. */
  public static ClickModel of(SyntheticGenerator.Params params) {
    return new ClickModel(new SyntheticGenerator.World(params));
  }

  /** Users in the population, with ids {@code u0 .. u(N-1)} as in the generated log. */
  public int users() {
    return world.user.length;
  }

  /** The id of user {@code u}, as the generated log writes it. */
  public static String userId(int u) {
    return "u" + u;
  }

  /**
   * The probability that {@code user} clicks {@code item} shown at {@code position} (from 1).
   *
   * @throws IllegalArgumentException for a user or item id not of this log, or a position below 1
   */
  public double click(String user, String item, int position) {
    if (position < 1) {
      throw new IllegalArgumentException("positions start at 1, was " + position);
    }
    return attraction(user, item) / (Math.log(1 + position) / Math.log(2));
  }

  /** The probability that {@code user} clicks {@code item} once they look at it. */
  public double attraction(String user, String item) {
    int u = index(user, 'u', world.user.length);
    int i = index(item, 'i', world.item.length);
    double affinity = SyntheticGenerator.dot(world.user[u], world.item[i]);
    return NORMAL.cumulativeProbability((1.5 * affinity - 3 - LOGIT_CLICK) / 0.8);
  }

  private static int index(String id, char prefix, int n) {
    if (id == null || id.length() < 2 || id.charAt(0) != prefix) {
      throw new IllegalArgumentException("'" + id + "' is not an id of the synthetic log (" + prefix + "0 .. " + prefix + (n - 1) + ")");
    }
    int k;
    try {
      k = Integer.parseInt(id.substring(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + id + "' is not an id of the synthetic log (" + prefix + "0 .. " + prefix + (n - 1) + ")");
    }
    if (k < 0 || k >= n) {
      throw new IllegalArgumentException("'" + id + "' is not an id of the synthetic log (" + prefix + "0 .. " + prefix + (n - 1) + ")");
    }
    return k;
  }
}
