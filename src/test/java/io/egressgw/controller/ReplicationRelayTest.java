package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The controller's replication relay (issue 13): it takes batches only from the IP's holder, queues
 * them for the IP's current standby alone, bounds each standby's queue and asks the holder for a
 * full dump whenever the standby's state of an IP is incomplete.
 */
class ReplicationRelayTest {
  static final String IP = "192.168.1.100";
  static final String IP2 = "192.168.1.101";

  static byte[] batch(String tag) {
    return ("{\"tag\":\"" + tag + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  static List<String> tags(List<byte[]> batches) {
    return batches.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  ReplicationRelay placed(long queueBytes) {
    ReplicationRelay relay = new ReplicationRelay(queueBytes);
    relay.placed(Map.of(IP, "w1", IP2, "w2"), Map.of(IP, "w2", IP2, "w3"));
    return relay;
  }

  @Test
  void aNodeThatDoesNotHoldTheIpIsRefusedAndNothingIsQueued() {
    ReplicationRelay relay = placed(1 << 20);

    ReplicationRelay.Outcome byStandby = relay.offer("w2", IP, batch("a"), false, false);
    ReplicationRelay.Outcome byStranger = relay.offer("w3", IP, batch("b"), true, true);

    assertEquals(ReplicationRelay.Outcome.NOT_HOLDER, byStandby);
    assertEquals(ReplicationRelay.Outcome.NOT_HOLDER, byStranger);
    assertEquals(2, relay.refusedBatches());
    for (String n : List.of("w1", "w2", "w3")) {
      assertTrue(relay.take(n, 1 << 20).isEmpty(), n + " got a batch");
    }
  }

  @Test
  void aBatchGoesToTheIpsCurrentStandbyOnlyInOrder() {
    ReplicationRelay relay = placed(1 << 20);

    relay.offer("w1", IP, batch("1"), false, false);
    relay.offer("w1", IP, batch("2"), false, false);
    relay.offer("w2", IP2, batch("x"), false, false);

    assertEquals(List.of("{\"tag\":\"1\"}", "{\"tag\":\"2\"}"), tags(relay.take("w2", 1 << 20)));
    assertEquals(List.of("{\"tag\":\"x\"}"), tags(relay.take("w3", 1 << 20)));
    assertTrue(relay.take("w1", 1 << 20).isEmpty());
  }

  @Test
  void aNewStandbyGetsNothingQueuedForTheOldOneAndTheHolderIsAskedForADump() {
    ReplicationRelay relay = placed(1 << 20);
    relay.offer("w1", IP, batch("dump"), true, true);
    relay.take("w2", 1 << 20);
    assertTrue(relay.resyncFor("w1").isEmpty(), "the dump was sent");
    relay.offer("w1", IP, batch("old"), false, false);

    relay.placed(Map.of(IP, "w1", IP2, "w2"), Map.of(IP, "w3", IP2, "w3"));
    relay.offer("w1", IP, batch("new"), false, false);

    assertEquals(List.of(IP), relay.resyncFor("w1"));
    assertTrue(relay.take("w2", 1 << 20).isEmpty(), "the old standby's queue was dropped");
    assertEquals(List.of("{\"tag\":\"new\"}"), tags(relay.take("w3", 1 << 20)));
    assertFalse(relay.delivered(IP, "w3"), "no dump reached the new standby yet");
  }

  @Test
  void aFullQueueDropsTheBatchCountsItAndFlagsTheStandbyForAResync() {
    ReplicationRelay relay = placed(30);
    relay.offer("w1", IP, batch("dump"), true, true);
    relay.take("w2", 1 << 20);
    assertTrue(relay.delivered(IP, "w2"));

    ReplicationRelay.Outcome first = relay.offer("w1", IP, batch("aaaaaaaaaa"), false, false);
    ReplicationRelay.Outcome second = relay.offer("w1", IP, batch("bbbbbbbbbb"), false, false);

    assertEquals(ReplicationRelay.Outcome.QUEUED, first);
    assertEquals(ReplicationRelay.Outcome.OVERFLOW, second);
    assertEquals(1, relay.overflowedBatches());
    assertEquals(List.of(IP), relay.resyncFor("w1"), "the holder is asked for a full dump");
    assertFalse(relay.delivered(IP, "w2"), "the standby's state is incomplete");
    assertEquals(0, relay.queuedBytes("w2"), "what the dump supersedes is dropped too");
  }

  @Test
  void aDumpCountsAsDeliveredOnlyOnceItsLastBatchAndEverythingAfterItWereTaken() {
    ReplicationRelay relay = placed(1 << 20);
    assertEquals(List.of(IP), relay.resyncFor("w1"), "a new route needs a dump");

    relay.offer("w1", IP, batch("d1"), true, false);
    assertTrue(relay.resyncFor("w1").isEmpty(), "the dump began");
    relay.offer("w1", IP, batch("d2"), false, true);
    assertFalse(relay.delivered(IP, "w2"));
    relay.take("w2", 1);
    assertFalse(relay.delivered(IP, "w2"), "only the dump's first batch was taken");
    relay.take("w2", 1);
    assertTrue(relay.delivered(IP, "w2"));
    relay.offer("w1", IP, batch("delta"), false, false);
    assertFalse(relay.delivered(IP, "w2"), "a change still waits in the queue");
    relay.take("w2", 1 << 20);
    assertTrue(relay.delivered(IP, "w2"));
  }

  @Test
  void aWaitingPollWakesWhenABatchArrivesAndANewLeaderStartsFromNothing() {
    ReplicationRelay relay = placed(1 << 20);
    CompletableFuture<Void> poll = relay.await("w2");
    assertFalse(poll.isDone());

    relay.offer("w1", IP, batch("1"), false, false);

    assertTrue(poll.isDone());
    relay.reset();
    assertEquals(
        ReplicationRelay.Outcome.NOT_PLACED, relay.offer("w1", IP, batch("2"), false, false));
    assertTrue(relay.take("w2", 1 << 20).isEmpty());
    relay.placed(Map.of(IP, "w1"), Map.of(IP, "w2"));
    assertEquals(List.of(IP), relay.resyncFor("w1"), "a new leader asks for every IP in full");
  }
}
