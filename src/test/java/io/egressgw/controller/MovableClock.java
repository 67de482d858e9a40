package io.egressgw.controller;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The controller's clock in a test that moves time (replaces {@link ControllerClock}'s {@link
 * DefaultBean} when a test profile selects it through {@code getEnabledAlternatives}): it starts at
 * {@value #ORIGIN} (else now) and runs on {@link System#nanoTime()} as the real one does, plus
 * whatever {@link #advance} added, so that a test takes the whole controller to day 61 in one step.
 */
@Alternative
@Singleton
public class MovableClock extends Clock {
  /** Where the clock starts (an ISO instant): set by the test's resource. */
  public static final String ORIGIN = "test.movable-clock.origin";

  private final Instant origin;
  private final long originNanos = System.nanoTime();
  private final AtomicLong advancedNanos = new AtomicLong();

  @Inject
  public MovableClock(@ConfigProperty(name = ORIGIN) Optional<String> origin) {
    this.origin = origin.map(Instant::parse).orElseGet(Instant::now);
  }

  /** Moves the clock forward by {@code by}; it keeps running from there. */
  public void advance(Duration by) {
    advancedNanos.addAndGet(by.toNanos());
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(System.nanoTime() - originNanos + advancedNanos.get());
  }

  @Override
  public long millis() {
    return instant().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a MovableClock is always UTC");
  }
}
