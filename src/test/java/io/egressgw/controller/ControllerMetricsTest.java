package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The controller's meters on a plain registry: gauges that survive GC, leader-only state. */
class ControllerMetricsTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final ControllerMetrics metrics = new ControllerMetrics(registry);

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void guardDropsStillReadsTheReportedTotalAfterGarbageCollection() {
    // Arrange: a capturing lambda, a new object that only the metrics hold (as in the runtime).
    long[] reported = {7};
    metrics.guardDrops(() -> reported[0]);

    // Act: collect garbage; a weakly held supplier would be gone and the gauge would read NaN.
    for (int i = 0; i < 5; i++) {
      System.gc();
    }
    reported[0] = 9;

    // Assert
    assertEquals(9.0, gauge("egressgw.guard.drops"));
  }

  @Test
  void theStateGaugesStillReadNumbersAfterGarbageCollection() {
    metrics.leading(true);
    metrics.placementState(2, Map.of("w1", "Up"));

    System.gc();

    assertEquals(1.0, gauge("egressgw.leader"));
    assertEquals(2.0, gauge("egressgw.floating.ips.unassigned"));
    assertEquals(1.0, gauge("egressgw.nodes", "state", "Up"));
  }

  @Test
  void theLeaderReportsPlacementAndPolicyStateAndAFollowerReportsZero() {
    // Arrange: leading, with a placement and two policies.
    metrics.leading(true);
    metrics.placementState(1, Map.of("w1", "Up", "w2", "Down", "w3", "Up"));
    metrics.policyStates(
        List.of(status("True", "True"), status("True", "False"), status("False", "False")));
    assertEquals(1.0, gauge("egressgw.leader"));
    assertEquals(1.0, gauge("egressgw.floating.ips.unassigned"));
    assertEquals(2.0, gauge("egressgw.nodes", "state", "Up"));
    assertEquals(1.0, gauge("egressgw.nodes", "state", "Down"));
    assertEquals(2.0, gauge("egressgw.policies", "condition", "Accepted", "status", "True"));
    assertEquals(1.0, gauge("egressgw.policies", "condition", "Accepted", "status", "False"));
    assertEquals(1.0, gauge("egressgw.policies", "condition", "Programmed", "status", "True"));
    assertEquals(2.0, gauge("egressgw.policies", "condition", "Programmed", "status", "False"));

    // Act: leadership lost, then a late update from the reconcile thread.
    metrics.leading(false);
    metrics.placementState(3, Map.of("w1", "Down"));
    metrics.policyStates(List.of(status("True", "True")));

    // Assert: a follower knows no placement; every state gauge reads 0.
    assertEquals(0.0, gauge("egressgw.leader"));
    assertEquals(0.0, gauge("egressgw.floating.ips.unassigned"));
    registry.get("egressgw.nodes").gauges().forEach(g -> assertEquals(0.0, g.value()));
    registry.get("egressgw.policies").gauges().forEach(g -> assertEquals(0.0, g.value()));
    assertEquals(2, registry.get("egressgw.nodes").gauges().size());
    assertEquals(6, registry.get("egressgw.policies").gauges().size());
  }

  @Test
  void aControllerStartedAfterAnotherOnTheSameGlobalRegistryExportsItsOwnState() {
    // Arrange: Quarkus' MeterRegistry is Micrometer's static global composite, which outlives an
    // application (a @QuarkusTest restart, a second ArC container in one JVM). The first
    // controller led, saw a group, and was shut down (its bean destroyed).
    CompositeMeterRegistry global = new CompositeMeterRegistry();
    SimpleMeterRegistry exported = new SimpleMeterRegistry();
    global.add(exported);
    ControllerMetrics first = new ControllerMetrics(global);
    first.leading(true);
    first.placementState(3, Map.of("w1", "Down", "w2", "Down"));
    first.guardDrops(
        () -> {
          throw new IllegalStateException("the first application's beans are gone");
        });
    first.close();

    // Act: the next application's controller registers its meters on the same registry.
    ControllerMetrics second = new ControllerMetrics(global);
    second.leading(true);
    second.placementState(0, Map.of("w1", "Up"));

    // Assert: what is exported is the second controller's state, not the first one's.
    assertEquals(0.0, exported.get("egressgw.guard.drops").gauge().value());
    assertEquals(0.0, exported.get("egressgw.floating.ips.unassigned").gauge().value());
    assertEquals(1.0, exported.get("egressgw.nodes").tags("state", "Up").gauge().value());
    assertEquals(0.0, exported.get("egressgw.nodes").tags("state", "Down").gauge().value());
    assertEquals(1, exported.get("egressgw.nodes").tags("state", "Up").gauges().size());
  }

  @Test
  void closingRemovesEveryMeterTheControllerRegistered() {
    metrics.moved("failover");
    metrics.placed(Duration.ofMillis(1));

    metrics.close();

    assertEquals(
        List.of(),
        registry.getMeters().stream()
            .map(m -> m.getId().getName())
            .filter(n -> n.startsWith("egressgw."))
            .toList());
  }

  static Stream<Arguments> policyCases() {
    return Stream.of(
        Arguments.of("no policies", List.of(), Map.of()),
        Arguments.of(
            "not compiled yet: both Unknown",
            Arrays.asList((EgressNATPolicyStatus) null),
            Map.of("Accepted/Unknown", 1L, "Programmed/Unknown", 1L)),
        Arguments.of(
            "accepted and programmed",
            List.of(status("True", "True")),
            Map.of("Accepted/True", 1L, "Programmed/True", 1L)),
        Arguments.of(
            "accepted, rollout pending",
            List.of(status("True", "False"), status("True", "True")),
            Map.of("Accepted/True", 2L, "Programmed/False", 1L, "Programmed/True", 1L)),
        Arguments.of(
            "a condition missing or with another status counts as Unknown",
            List.of(status("Unknown", null)),
            Map.of("Accepted/Unknown", 1L, "Programmed/Unknown", 1L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policyCases")
  void policiesAreCountedPerConditionAndStatus(
      String description, List<EgressNATPolicyStatus> statuses, Map<String, Long> expected) {
    assertEquals(expected, ControllerMetrics.conditionCounts(statuses), description);
  }

  @Test
  void timersComputeNoClientSideQuantiles() {
    // (Their histogram buckets are scraped in ControllerMetricsAgainstApiEmulatorIT: this
    // registry does not publish buckets.)
    metrics.placed(Duration.ofMillis(3));
    Timer placement = registry.get("egressgw.placement.duration").timer();

    HistogramSnapshot snapshot = placement.takeSnapshot();

    assertEquals(0, snapshot.percentileValues().length, "client-side quantiles");
  }

  private static EgressNATPolicyStatus status(String accepted, String programmed) {
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(PolicyStatuses.ACCEPTED, accepted));
    if (programmed != null) {
      conditions.add(condition(PolicyStatuses.PROGRAMMED, programmed));
    }
    EgressNATPolicyStatus s = new EgressNATPolicyStatus();
    s.setConditions(conditions);
    return s;
  }

  private static Condition condition(String type, String status) {
    return new ConditionBuilder().withType(type).withStatus(status).build();
  }
}
