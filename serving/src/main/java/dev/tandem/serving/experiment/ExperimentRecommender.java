package dev.tandem.serving.experiment;

import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An A/B experiment as a {@link Recommender}: each request goes to the arm its user is assigned to ({@link Assignment}),
 * and the answer says which arm and version served it ({@link Recommendations#arm()}). Both arms are loaded once and
 * kept; {@link #swapChallenger} puts a new challenger in place while requests go on, without a restart: requests already
 * on the old challenger finish on it, later ones go to the new one.
 *
 * <p>{@link #model()} and {@link #version()} are the control's (the version the experiment is measured against).
 * Models with history features are refused: {@code POST /events} would have to feed two histories.
 *
 * <p><b>Ownership.</b> The experiment owns both arms: {@link #close()} closes the control and the current challenger;
 * a challenger replaced by {@link #swapChallenger} is handed back to the caller, who closes it.
 */
public final class ExperimentRecommender implements Recommender {
  private static final Logger LOG = LogManager.getLogger(ExperimentRecommender.class);

  private final String name;
  private final double share;
  private final Assignment assignment;
  private final Recommender control;
  private final AtomicReference<Held> challenger;
  private final AtomicInteger swaps = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A challenger and the requests it is serving now (so a swap knows when the old one is idle). */
  private record Held(Recommender recommender, AtomicInteger inFlight) {}

  /**
   * @param name       the experiment's name (written into impressions)
   * @param share      the share of users assigned to the challenger (as the assignment was configured; for reports)
   * @param assignment who goes where
   * @throws IllegalArgumentException if an arm has history features
   */
  public ExperimentRecommender(String name, double share, Assignment assignment, Recommender control, Recommender challenger) {
    for (Recommender r : new Recommender[] {control, challenger}) {
      refuseHistory(r);
    }
    this.name = name;
    this.share = share;
    this.assignment = assignment;
    this.control = control;
    this.challenger = new AtomicReference<>(new Held(challenger, new AtomicInteger()));
  }

  private static void refuseHistory(Recommender r) {
    if (r.history() != null) {
      throw new IllegalArgumentException(r.model() + " v" + r.version() + " has history features: an experiment would have to feed"
          + " events to both arms' histories, which is not supported; serve it without --challenger");
    }
  }

  @Override
  public Recommendations recommend(RecommendRequest request) {
    if (closed.get()) {
      throw new IllegalStateException("the experiment " + name + " is closed");
    }
    Arm arm = request.user() == null ? Arm.CONTROL : assignment.arm(request.user());
    Recommendations r;
    if (arm == Arm.CONTROL) {
      r = control.recommend(request);
    } else {
      Held h = acquire();
      try {
        r = h.recommender().recommend(request);
      } finally {
        h.inFlight().decrementAndGet();
      }
    }
    return r.withArm(arm.value());
  }

  /** The current challenger, counted as in use until the caller decrements its count. */
  private Held acquire() {
    while (true) {
      Held h = challenger.get();
      h.inFlight().incrementAndGet();
      if (challenger.get() == h) {
        return h;
      }
      h.inFlight().decrementAndGet(); // swapped meanwhile: take the new one
    }
  }

  /**
   * Puts {@code next} in place of the challenger. Requests that reached the old challenger finish on it; this waits (at
   * most {@code wait}) until they have, then returns the old challenger for the caller to close.
   *
   * @throws IllegalArgumentException if {@code next} has history features
   */
  public Recommender swapChallenger(Recommender next, Duration wait) throws InterruptedException {
    refuseHistory(next);
    Held old = challenger.getAndSet(new Held(next, new AtomicInteger()));
    long deadline = System.nanoTime() + wait.toNanos();
    while (old.inFlight().get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    if (old.inFlight().get() > 0) {
      LOG.warn("{} request(s) still on the old challenger {} v{} after {} ms", old.inFlight().get(), old.recommender().model(),
          old.recommender().version(), wait.toMillis());
    }
    swaps.incrementAndGet();
    LOG.info("experiment {}: challenger {} v{} replaced by {} v{}", name, old.recommender().model(), old.recommender().version(),
        next.model(), next.version());
    return old.recommender();
  }

  /** The experiment's name. */
  public String name() {
    return name;
  }

  /** The configured share of users in the challenger arm. */
  public double share() {
    return share;
  }

  /** The recommender serving an arm now. */
  public Recommender arm(Arm arm) {
    return arm == Arm.CONTROL ? control : challenger.get().recommender();
  }

  /** Challengers swapped in since start. */
  public int swaps() {
    return swaps.get();
  }

  @Override
  public Map<String, Object> inputs(String user, String item, Long time, Map<String, String> attributes) {
    return arm(assignment.arm(user)).inputs(user, item, time, attributes);
  }

  @Override
  public String model() {
    return control.model();
  }

  @Override
  public int version() {
    return control.version();
  }

  @Override
  public int catalogueSize() {
    return control.catalogueSize();
  }

  /** Each arm's caches, named {@code ARM.CACHE} (e.g. {@code challenger.results}). */
  @Override
  public Map<String, CacheReport> caches() {
    Map<String, CacheReport> out = new LinkedHashMap<>();
    for (Arm a : Arm.values()) {
      arm(a).caches().forEach((k, v) -> out.put(a.value() + "." + k, v));
    }
    return out;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    control.close();
    challenger.get().recommender().close();
  }
}
