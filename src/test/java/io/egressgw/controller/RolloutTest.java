package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Delivery order of changed programs: gateways, then nodes that steer somewhere new, then old
 * holders.
 */
class RolloutTest {
  private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
  private static final Duration STEP = Duration.ofSeconds(1);

  /** A distributor stand-in: what is published, which nodes acknowledged, which are alive. */
  private final Map<String, NodeProgram> published = new HashMap<>();

  private final Set<String> acked = new HashSet<>();
  private final Set<String> dead = new HashSet<>();
  private final List<Set<String>> rounds = new ArrayList<>();
  private final Rollout rollout = new Rollout(STEP);

  private void offer(Map<String, NodeProgram> programs) {
    rollout.offer(programs, published::get);
  }

  private Optional<Instant> release(Instant now) {
    return rollout.release(
        now,
        n -> !dead.contains(n) && !acked.contains(n),
        batch -> {
          rounds.add(new java.util.TreeSet<>(batch.keySet()));
          published.putAll(batch);
          batch.keySet().forEach(acked::remove);
          return batch.keySet();
        });
  }

  private static NodeProgram gateway(String node, String... pods) {
    Map<String, Integer> sources = new HashMap<>();
    for (String p : pods) {
      sources.put(p, 1);
    }
    return new NodeProgram(
        node,
        0,
        sources,
        Map.of(1, List.of(new Route("203.0.113.0/24", 1))),
        Map.of(1, new Egress(1, "egress", "192.168.1.100", node, "192.168.1.11")),
        List.of("192.168.1.100"));
  }

  private static NodeProgram source(String node, String gatewayNode, String... pods) {
    Map<String, Integer> sources = new HashMap<>();
    for (String p : pods) {
      sources.put(p, 1);
    }
    return new NodeProgram(
        node,
        0,
        sources,
        Map.of(1, List.of(new Route("203.0.113.0/24", 1))),
        Map.of(1, new Egress(1, "egress", "192.168.1.100", gatewayNode, "192.168.1.11")),
        List.of());
  }

  @Test
  void aSourceIsReleasedOnlyAfterItsGatewayAcknowledged() {
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));

    Optional<Instant> again = release(T0);

    assertEquals(List.of(Set.of("w1")), rounds, "the gateway goes alone");
    assertEquals(Optional.of(T0.plus(STEP)), again, "come back at the step deadline");
    assertTrue(rollout.holds("w2"));

    release(T0.plusMillis(10)); // an unrelated wake-up: still waiting
    assertEquals(1, rounds.size());

    acked.add("w1");
    assertEquals(Optional.empty(), release(T0.plusMillis(20)));
    assertEquals(List.of(Set.of("w1"), Set.of("w2")), rounds);
    assertFalse(rollout.holds("w2"));
    assertEquals(Set.of(), rollout.takePassedOver(), "w1 acknowledged in time");
  }

  @Test
  void aSilentGatewayDelaysTheSourcesByOneStepTimeoutAtMost() {
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));
    release(T0);

    release(T0.plus(STEP).minusMillis(1));
    assertEquals(1, rounds.size(), "before the deadline");
    assertEquals(Set.of(), rollout.takePassedOver());
    release(T0.plus(STEP));
    assertEquals(List.of(Set.of("w1"), Set.of("w2")), rounds);
    assertEquals(Set.of("w1"), rollout.takePassedOver(), "w2 went out without w1's word");
    assertEquals(Set.of(), rollout.takePassedOver(), "said once");
  }

  @Test
  void aGatewayRepublishedWhileAwaitedGetsAFullStepForItsNewProgram() {
    // A floating IP is placed on w1 (w1 awaited), and 900 ms later a policy names w1 and a pod on
    // w2: w2 must wait for w1's newer program, a full step, not the 100 ms left of the first.
    offer(Map.of("w1", gateway("w1")));
    release(T0);
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));

    Optional<Instant> again = release(T0.plusMillis(900));

    assertEquals(List.of(Set.of("w1"), Set.of("w1")), rounds, "w1's newer program goes alone");
    assertEquals(Optional.of(T0.plusMillis(1900)), again);
    release(T0.plusMillis(1000));
    release(T0.plusMillis(1899));
    assertEquals(2, rounds.size(), "w2 still waits for w1 after the first program's deadline");
    release(T0.plusMillis(1900));
    assertEquals(Set.of("w2"), rounds.get(2));
  }

  @Test
  void aStreamOfChangesToASlowGatewayHoldsTheSourcesThreeStepsAtMost() {
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));
    release(T0);
    for (int i = 1; i <= 3; i++) { // w1 gets a newer program at 600, 1400 and 2200 ms
      offer(Map.of("w1", gateway("w1", "10.0.2.5", "10.0.9." + i)));
      release(T0.plusMillis(800L * i).minusMillis(200));
    }
    release(T0.plus(STEP.multipliedBy(3)).minusMillis(1));
    assertTrue(rollout.holds("w2"), "the sources wait while the gateway's programs are fresh");

    release(T0.plus(STEP.multipliedBy(3)));

    assertFalse(rollout.holds("w2"), "but not longer than three steps");
  }

  @Test
  void aDeadGatewayIsNotWaitedFor() {
    dead.add("w1");
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));

    assertEquals(Optional.empty(), release(T0));

    assertEquals(List.of(Set.of("w1"), Set.of("w2")), rounds, "both at once, gateway first");
  }

  @Test
  void theOldHolderLetsGoAfterTheSourcesPointElsewhere() {
    // w1 held the floating IP; it moves to w3 (a planned move: w1 is alive).
    published.put("w1", gateway("w1", "10.0.2.5"));
    published.put("w2", source("w2", "w1", "10.0.2.5"));
    offer(
        Map.of(
            "w1", NodeProgram.empty("w1", 0),
            "w2", source("w2", "w3", "10.0.2.5"),
            "w3", gateway("w3", "10.0.2.5")));

    release(T0);
    acked.add("w3");
    release(T0.plusMillis(5));
    acked.add("w2");
    release(T0.plusMillis(10));

    assertEquals(List.of(Set.of("w3"), Set.of("w2"), Set.of("w1")), rounds);
  }

  @Test
  void aNewerProgramReplacesTheHeldOne() {
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));
    release(T0);
    NodeProgram newer = source("w2", "w1", "10.0.2.5", "10.0.2.6");
    offer(Map.of("w2", newer));

    acked.add("w1");
    release(T0.plusMillis(5));

    assertEquals(newer, published.get("w2"));
    assertEquals(2, rounds.size(), "one delivery to w2, the newest");
  }

  @Test
  void aGatewayChangeWhileSourcesAreAwaitedGoesOutAtOnce() {
    offer(Map.of("w2", source("w2", "w1", "10.0.2.5")));
    release(T0); // w2 alone (no gateway changed): awaited
    offer(
        Map.of("w1", gateway("w1", "10.0.2.5", "10.0.3.7"), "w4", source("w4", "w1", "10.0.3.7")));

    release(T0.plusMillis(5));

    assertEquals(List.of(Set.of("w2"), Set.of("w1")), rounds, "the gateway does not wait for w2");
    acked.add("w1");
    release(T0.plusMillis(6));
    assertEquals(Set.of("w4"), rounds.get(2));
  }

  @Test
  void anUnchangedReleaseIsNotWaitedFor() {
    // The distributor reports no change (same state already published): nothing to acknowledge.
    offer(Map.of("w1", gateway("w1", "10.0.2.5"), "w2", source("w2", "w1", "10.0.2.5")));
    Optional<Instant> again =
        rollout.release(
            T0,
            n -> true,
            batch -> {
              rounds.add(batch.keySet());
              return List.of();
            });
    assertEquals(Optional.empty(), again);
    assertEquals(List.of(Set.of("w1"), Set.of("w2")), rounds);
  }

  @Test
  void stepsFollowWhatTheChangeDoes() {
    assertEquals(
        Rollout.Step.FIRST,
        Rollout.step(null, gateway("w1", "10.0.2.5")),
        "a gateway learns a pod");
    assertEquals(
        Rollout.Step.STEERING,
        Rollout.step(null, source("w2", "w1", "10.0.2.5")),
        "a pod is steered");
    assertEquals(Rollout.Step.FIRST, Rollout.step(null, source("w2", "w1")), "nothing to steer");
    assertEquals(
        Rollout.Step.RETIRING, Rollout.step(gateway("w1"), source("w1", "w3")), "the old holder");
    assertEquals(
        Rollout.Step.FIRST,
        Rollout.step(source("w2", "w1", "10.0.2.5"), NodeProgram.empty("w2", 0)),
        "steering stops: no need to wait");
    assertEquals(
        Rollout.Step.STEERING,
        Rollout.step(source("w2", "w1", "10.0.2.5"), source("w2", "w3", "10.0.2.5")),
        "to another gateway");
    assertEquals(
        Rollout.Step.FIRST,
        Rollout.step(source("w2", "w1", "10.0.2.5", "10.0.2.6"), source("w2", "w1", "10.0.2.5")),
        "one pod less");
  }

  @Test
  void holdingAnUnusedFloatingIpDoesNotMakeANodeAGateway() {
    // The lab's case: worker3 holds 192.168.1.102 (no policy uses it) and its pod bob becomes
    // selected by a policy whose egress IP worker1 holds: worker3 waits for worker1.
    NodeProgram worker3Before =
        new NodeProgram(
            "w3", 0, Map.of("10.10.3.12", 0), Map.of(), Map.of(), List.of("192.168.1.102"));
    NodeProgram worker3After =
        new NodeProgram(
            "w3",
            0,
            Map.of("10.10.3.12", 1),
            Map.of(1, List.of(new Route("203.0.113.0/24", 1))),
            Map.of(1, new Egress(1, "egress", "192.168.1.100", "w1", "192.168.1.11")),
            List.of("192.168.1.102"));
    published.put("w3", worker3Before);
    published.put("w1", gateway("w1"));
    offer(Map.of("w1", gateway("w1", "10.10.3.12"), "w3", worker3After));

    release(T0);

    assertEquals(List.of(Set.of("w1")), rounds);
    acked.add("w1");
    release(T0.plusMillis(5));
    assertEquals(List.of(Set.of("w1"), Set.of("w3")), rounds);
  }

  @Test
  void onlyGatewaysAreAwaitedInTheFirstStep() {
    // 1,000 nodes that only learn a new guarded prefix do not hold back the node that steers.
    NodeProgram guardOnly =
        new NodeProgram(
            "w5", 0, Map.of(), Map.of(), Map.of(), List.of(), List.of("198.51.100.0/24"));
    offer(Map.of("w5", guardOnly, "w2", source("w2", "w1", "10.0.2.5")));
    dead.add("w1");

    release(T0);

    assertEquals(
        List.of(Set.of("w5"), Set.of("w2")), rounds, "w5 goes first but is not waited for");
  }

  @Test
  void sourcesOfADeadGatewaySwitchBesideTheNewHolder() {
    // w1 held the floating IP and is declared Down; it moves to w3. w2's packets to w1 are lost
    // anyway: w2 goes out with w3, not one acknowledgement later.
    published.put("w1", gateway("w1", "10.0.2.5"));
    published.put("w2", source("w2", "w1", "10.0.2.5"));
    dead.add("w1");
    rollout.offer(
        Map.of(
            "w1", NodeProgram.empty("w1", 0),
            "w2", source("w2", "w3", "10.0.2.5"),
            "w3", gateway("w3", "10.0.2.5")),
        published::get,
        dead::contains);

    release(T0);

    assertEquals(List.of(Set.of("w2", "w3")), rounds, "w2 beside w3");
    acked.add("w3");
    release(T0.plusMillis(5));
    assertEquals(List.of(Set.of("w2", "w3"), Set.of("w1")), rounds, "the old holder last");
  }

  @Test
  void failingOverExcusesOnlyTheRoutesOfTheDeadGateway() {
    assertEquals(
        Rollout.Step.FIRST,
        Rollout.step(source("w2", "w1", "10.0.2.5"), source("w2", "w3", "10.0.2.5"), "w1"::equals),
        "away from a dead gateway");
    assertEquals(
        Rollout.Step.STEERING,
        Rollout.step(source("w2", "w1", "10.0.2.5"), source("w2", "w3", "10.0.2.5"), "w4"::equals),
        "away from a live one: make before break");
    assertEquals(
        Rollout.Step.STEERING,
        Rollout.step(
            source("w2", "w1", "10.0.2.5"),
            source("w2", "w3", "10.0.2.5", "10.0.2.6"),
            "w1"::equals),
        "a new pod still waits for its gateway");
    NodeProgram otherIp =
        new NodeProgram(
            "w2",
            0,
            Map.of("10.0.2.5", 1),
            Map.of(1, List.of(new Route("203.0.113.0/24", 1))),
            Map.of(1, new Egress(1, "other", "192.168.1.200", "w3", "192.168.1.13")),
            List.of());
    assertEquals(
        Rollout.Step.STEERING,
        Rollout.step(source("w2", "w1", "10.0.2.5"), otherIp, "w1"::equals),
        "another policy's egress IP while the old gateway is Down: a policy change");
  }
}
