package dev.tandem.serving.http;

import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The real recommender with two faults a test can switch on: requests for {@link #HOLD} wait until the test releases
 * them (so a test can act while a request is in the server's hands), and requests for {@link #FAIL} throw an unexpected
 * exception. Every other request goes straight through.
 */
final class ControlledRecommender implements Recommender {
  static final String HOLD = "hold-me";
  static final String FAIL = "fail-me";
  static final String SECRET = "secret-internal-detail";

  private final Recommender real;
  private final Semaphore entered = new Semaphore(0);
  private final CountDownLatch release = new CountDownLatch(1);

  ControlledRecommender(Recommender real) {
    this.real = real;
  }

  @Override
  public Recommendations recommend(RecommendRequest request) {
    if (request.user().startsWith(HOLD)) {
      entered.release();
      try {
        if (!release.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the request");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while held", e);
      }
    }
    if (request.user().equals(FAIL)) {
      throw new IllegalStateException("simulated failure: " + SECRET);
    }
    return real.recommend(request);
  }

  /** Waits until {@code n} held requests have reached the recommender. */
  void awaitHeld(int n) throws InterruptedException {
    if (!entered.tryAcquire(n, 30, TimeUnit.SECONDS)) {
      throw new AssertionError("held requests did not reach the recommender");
    }
  }

  /** Lets every held request (now and later) go on. */
  void release() {
    release.countDown();
  }

  @Override
  public String model() {
    return real.model();
  }

  @Override
  public int version() {
    return real.version();
  }

  @Override
  public int catalogueSize() {
    return real.catalogueSize();
  }

  @Override
  public Map<String, CacheReport> caches() {
    return real.caches();
  }

  @Override
  public void close() {
    release();
  }
}
