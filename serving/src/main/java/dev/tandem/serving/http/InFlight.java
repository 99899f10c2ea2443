package dev.tandem.serving.http;

import java.time.Duration;

/** Requests accepted and not yet answered, and a bounded wait for there to be none (the drain at shutdown). */
final class InFlight {
  private int count;

  synchronized void begin() {
    count++;
  }

  synchronized void end() {
    if (--count == 0) {
      notifyAll();
    }
  }

  synchronized int count() {
    return count;
  }

  /** Waits until no request is in flight or {@code timeout} has passed; true if none is left. */
  synchronized boolean awaitNone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
