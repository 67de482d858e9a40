package io.egressgw.controller;

import io.egressgw.time.MonotonicClock;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The controller's clock: a {@link MonotonicClock}, so that liveness, grace periods and rollout
 * timing ignore steps of the wall clock. Injected so that tests may replace it (a @DefaultBean: any
 * other Clock wins).
 */
@ApplicationScoped
public class ControllerClock {
  @Produces
  @DefaultBean
  @Singleton
  Clock clock() {
    return new MonotonicClock();
  }
}
