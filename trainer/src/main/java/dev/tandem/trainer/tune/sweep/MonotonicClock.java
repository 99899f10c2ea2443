package dev.tandem.trainer.tune.sweep;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The sweep's clock: the UTC time at which it was made, advanced by {@link System#nanoTime}, so that a step of the
 * system clock (NTP, a person) neither spends nor refunds the wall-clock budget of a running sweep.
 */
final class MonotonicClock extends Clock {
  private final Instant origin;
  private final long originNanos;
  private final ZoneId zone;

  MonotonicClock() {
    this(Instant.now(), System.nanoTime(), ZoneOffset.UTC);
  }

  private MonotonicClock(Instant origin, long originNanos, ZoneId zone) {
    this.origin = origin;
    this.originNanos = originNanos;
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId z) {
    return new MonotonicClock(origin, originNanos, z);
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(System.nanoTime() - originNanos);
  }
}
