package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The mass-failure guard: one failure moves IPs as always; more than half of the Up nodes, and at
 * least three, failing at once (declared Down, or silent for 250 ms when the first is declared)
 * holds them until they return or the share stays low for the settle time; two or more failing at
 * once below that share are held for a confirmation window first.
 */
class MassFailureGuardTest {
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
  private static final Duration SILENT = Duration.ofMillis(250);
  private static final Duration SETTLE = Duration.ofSeconds(2);

  private final MassFailureGuard guard = new MassFailureGuard(0.5, SILENT, SETTLE);
  private final Map<String, Boolean> verdicts = new HashMap<>();
  private final Map<String, Instant> heard = new HashMap<>();

  private void nodes(int count, Instant heardAt) {
    for (int i = 1; i <= count; i++) {
      verdicts.put("w" + i, true);
      heard.put("w" + i, heardAt);
    }
  }

  private boolean sweep(Instant now, String... newlyDown) {
    for (String n : newlyDown) {
      verdicts.put(n, false);
    }
    return guard.evaluate(Map.copyOf(verdicts), Set.of(newlyDown), Map.copyOf(heard), now);
  }

  @Test
  void oneNodeDownAmongHealthyNodesIsAnOrdinaryFailover() {
    nodes(3, T0);
    heard.put("w1", T0.minusMillis(400));

    assertThat(sweep(T0.plusMillis(50), "w1")).isFalse();

    assertThat(guard.frozen()).isFalse();
    assertThat(guard.held()).isEmpty();
  }

  private static final Duration CONFIRM = Duration.ofMillis(300);

  @Test
  void twoNodesDownTogetherAreHeldForTheConfirmationAndReleasedWithoutAMoveWhenHeardAgain() {
    MassFailureGuard confirming = new MassFailureGuard(0.5, SILENT, SETTLE, CONFIRM);
    nodes(4, T0);
    heard.put("w1", T0.minusMillis(400));
    heard.put("w2", T0.minusMillis(390));
    verdicts.put("w1", false);
    verdicts.put("w2", false);

    assertThat(confirming.evaluate(Map.copyOf(verdicts), Set.of("w1", "w2"), Map.copyOf(heard), T0))
        .isTrue();
    assertThat(confirming.confirming()).containsExactlyInAnyOrder("w1", "w2");
    assertThat(confirming.frozen()).as("not a mass failure").isFalse();

    // their heartbeats were only late (a loaded machine): back 30 ms later, nothing moved
    verdicts.put("w1", true);
    verdicts.put("w2", true);
    assertThat(
            confirming.evaluate(
                Map.copyOf(verdicts), Set.of(), Map.copyOf(heard), T0.plusMillis(30)))
        .isTrue();
    assertThat(confirming.confirming()).isEmpty();
    assertThat(confirming.holding()).isFalse();
  }

  @Test
  void nodesStillDownWhenTheConfirmationEndsAreFailedOverThen() {
    MassFailureGuard confirming = new MassFailureGuard(0.5, SILENT, SETTLE, CONFIRM);
    nodes(4, T0);
    heard.put("w1", T0.minusMillis(400));
    heard.put("w2", T0.minusMillis(330));
    verdicts.put("w1", false);

    confirming.evaluate(Map.copyOf(verdicts), Set.of("w1"), Map.copyOf(heard), T0);
    assertThat(confirming.confirming()).containsExactly("w1");
    verdicts.put("w2", false);
    confirming.evaluate(Map.copyOf(verdicts), Set.of("w2"), Map.copyOf(heard), T0.plusMillis(25));
    assertThat(confirming.confirming()).containsExactlyInAnyOrder("w1", "w2");
    assertThat(
            confirming.evaluate(
                Map.copyOf(verdicts), Set.of(), Map.copyOf(heard), T0.plusMillis(299)))
        .isFalse();

    assertThat(
            confirming.evaluate(
                Map.copyOf(verdicts), Set.of(), Map.copyOf(heard), T0.plusMillis(300)))
        .isTrue();
    assertThat(confirming.confirming()).as("released: placement fails them over").isEmpty();
    assertThat(confirming.frozen()).isFalse();
  }

  @Test
  void aSingleFailureIsNeverHeldForConfirmation() {
    MassFailureGuard confirming = new MassFailureGuard(0.5, SILENT, SETTLE, CONFIRM);
    nodes(4, T0);
    heard.put("w1", T0.minusMillis(400));
    heard.put("w2", T0.minusMillis(900)); // Down long ago, failed over then
    verdicts.put("w2", false);
    verdicts.put("w1", false);

    assertThat(confirming.evaluate(Map.copyOf(verdicts), Set.of("w1"), Map.copyOf(heard), T0))
        .isFalse();
    assertThat(confirming.holding()).isFalse();
  }

  @Test
  void theControllerLosingEveryNodeFreezesAndHoldsEachNodeAsItIsDeclaredDown() {
    // The controller's own link broke at T0: every node's last heartbeat is within 100 ms before.
    nodes(10, T0);
    for (int i = 1; i <= 10; i++) {
      heard.put("w" + i, T0.minusMillis(i * 10L));
    }
    Instant firstDown = T0.plusMillis(275);

    assertThat(sweep(firstDown, "w10")).isTrue();
    assertThat(guard.frozen()).isTrue();
    assertThat(guard.held()).containsExactly("w10");

    assertThat(sweep(firstDown.plusMillis(25), "w9", "w8")).isTrue();
    assertThat(guard.held()).containsExactlyInAnyOrder("w10", "w9", "w8");
    String[] rest = {"w1", "w2", "w3", "w4", "w5", "w6", "w7"};
    sweep(firstDown.plusMillis(100), rest);
    assertThat(guard.held()).hasSize(10);

    // Minutes later nothing has changed: still frozen (no timer lifts it).
    assertThat(sweep(firstDown.plus(Duration.ofMinutes(5)))).isFalse();
    assertThat(guard.frozen()).isTrue();
  }

  @Test
  void twoNodesOfFourIsNotMoreThanHalf() {
    nodes(4, T0);
    heard.put("w1", T0.minusMillis(400));
    heard.put("w2", T0.minusMillis(390));

    sweep(T0, "w1");
    sweep(T0.plusMillis(25), "w2");

    assertThat(guard.frozen()).isFalse();
  }

  @Test
  void threeOfFourFailingTogetherFreezes() {
    nodes(4, T0);
    heard.put("w1", T0.minusMillis(400));
    heard.put("w2", T0.minusMillis(330));
    heard.put("w3", T0.minusMillis(310));

    assertThat(sweep(T0, "w1")).isTrue();

    assertThat(guard.held()).containsExactly("w1");
  }

  @Test
  void clustersOfFewerThanThreeNodesNeverFreeze() {
    nodes(2, T0.minusMillis(400));

    sweep(T0, "w1", "w2");

    assertThat(guard.frozen()).isFalse();
  }

  @Test
  void aShareOfOneDisablesTheGuard() {
    MassFailureGuard off = new MassFailureGuard(1.0, SILENT, SETTLE);
    nodes(4, T0.minusMillis(400));
    verdicts.replaceAll((n, v) -> false);

    off.evaluate(Map.copyOf(verdicts), verdicts.keySet(), Map.copyOf(heard), T0);

    assertThat(off.frozen()).isFalse();
  }

  @Test
  void returningNodesAreReleasedAndTheGuardLiftsAfterTheShareStaysLowForTheSettleTime() {
    nodes(4, T0);
    heard.replaceAll((n, t) -> T0.minusMillis(300));
    sweep(T0, "w1", "w2", "w3", "w4");
    assertThat(guard.held()).hasSize(4);

    // w1..w3 come back; w4 stays dead.
    for (String n : new String[] {"w1", "w2", "w3"}) {
      verdicts.put(n, true);
      heard.put(n, T0.plusSeconds(1));
    }
    assertThat(sweep(T0.plusSeconds(1))).isTrue();
    assertThat(guard.held()).containsExactly("w4");
    assertThat(sweep(T0.plusMillis(2500))).isFalse();
    assertThat(guard.frozen()).isTrue();

    assertThat(sweep(T0.plusSeconds(3))).isTrue();

    assertThat(guard.frozen()).isFalse();
  }

  @Test
  void aDeletedNodeIsReleased() {
    nodes(3, T0.minusMillis(300));
    sweep(T0, "w1", "w2", "w3");
    assertThat(guard.held()).hasSize(3);

    verdicts.remove("w3");

    assertThat(sweep(T0.plusMillis(25))).isTrue();
    assertThat(guard.held()).containsExactlyInAnyOrder("w1", "w2");
  }
}
