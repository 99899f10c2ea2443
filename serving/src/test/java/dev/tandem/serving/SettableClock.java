package dev.tandem.serving;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests set by hand: the server's "now" for the as-of rule. Thread-safe. */
public final class SettableClock extends Clock {
  private volatile long seconds;

  public SettableClock(long epochSeconds) {
    this.seconds = epochSeconds;
  }

  public void set(long epochSeconds) {
    seconds = epochSeconds;
  }

  public void advance(long s) {
    seconds += s;
  }

  public long seconds() {
    return seconds;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(seconds);
  }
}
