package dev.tandem.serving;

import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.registry.ModelRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps an experiment's challenger on the version its registry reference points to: when the alias moves (say
 * {@code staging} is promoted to a new version), the new version is loaded beside the running arms, swapped in while
 * requests go on, and the old challenger closed once its requests have finished. No restart, no request refused.
 *
 * <p>A check that fails (the registry unreachable, the new version damaged) is logged and leaves the current challenger
 * serving; the next check tries again. The watch owns its thread; {@link #close()} stops it (not the experiment).
 */
public final class ChallengerWatch implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ChallengerWatch.class);
  private final ExperimentRecommender experiment;
  private final ModelRegistry registry;
  private final String name;
  private final String ref;
  private ScheduledExecutorService timer;

  /** Watches {@code name@ref} in {@code registry} for {@code experiment}'s challenger. */
  public ChallengerWatch(ExperimentRecommender experiment, ModelRegistry registry, String name, String ref) {
    this.experiment = experiment;
    this.registry = registry;
    this.name = name;
    this.ref = ref;
  }

  /**
   * Resolves the reference once and swaps in the version it points to if that is not the one serving (nor of another
   * name). Returns whether it swapped.
   *
   * @throws IllegalArgumentException if the reference no longer resolves, or the new version cannot be an arm
   * @throws java.io.UncheckedIOException if the registry cannot be read
   * @throws InterruptedException if interrupted while waiting for the old challenger's requests
   */
  public synchronized boolean check() throws InterruptedException {
    int version = registry.resolve(name, ref);
    Recommender current = experiment.arm(Arm.CHALLENGER);
    if (current.model().equals(name) && current.version() == version) {
      return false;
    }
    LOG.info("experiment {}: {}@{} now points to v{} (serving v{}): loading it", experiment.name(), name, ref, version, current.version());
    BundleRecommender next = new BundleRecommender(ServingBundle.load(registry, name, "v" + version));
    Recommender old;
    try {
      old = experiment.swapChallenger(next, Duration.ofSeconds(30));
    } catch (RuntimeException | InterruptedException e) {
      next.close();
      throw e;
    }
    old.close();
    return true;
  }

  /** Checks every {@code every} on a thread of its own until closed. */
  public synchronized ChallengerWatch every(Duration every) {
    if (timer != null) {
      throw new IllegalStateException("already watching");
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-challenger-watch");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        check();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.error("experiment {}: cannot swap in {}@{}; the current challenger keeps serving", experiment.name(), name, ref, e);
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(35, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
