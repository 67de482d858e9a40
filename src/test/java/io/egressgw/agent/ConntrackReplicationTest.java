package io.egressgw.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.ReplicationBatch;
import io.egressgw.net.Ipv4;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Both directions of trust and the batching of replication, without a kernel: a primary sends only
 * entries SNATed to an IP it holds, the latest state of each flow once; a standby takes entries
 * only for the IPs it stands by for, and only entries SNATed to that IP; a takeover replaces this
 * node's own entries of the flows it stood by for. The conntrack table is an in-memory one: no test
 * here touches the kernel's.
 */
class ConntrackReplicationTest {
  static final int POD = Ipv4.parseOrThrow("10.244.1.2");
  static final int EXT = Ipv4.parseOrThrow("203.0.113.10");
  static final int HELD = Ipv4.parseOrThrow("10.77.0.100");
  static final int OTHER = Ipv4.parseOrThrow("10.77.0.101");

  static ConntrackEntry flow(int sport, int natAddress, int tcpState) {
    return new ConntrackEntry(
        6, POD, EXT, sport, 443, natAddress, sport, 0x8e, 120, 0, tcpState, 7, 7);
  }

  @Test
  void aPrimarySendsOnlyFlowsSnatedToAnIpItHoldsWithTheLatestStateOfEach() {
    ConntrackReplication primary =
        new ConntrackReplication(() -> Set.of(HELD), b -> {}, new InMemoryConntrackTable());

    primary.queue(HELD, flow(1000, HELD, 1).key(), flow(1000, HELD, 1));
    primary.queue(
        HELD, flow(1000, HELD, 3).key(), flow(1000, HELD, 3)); // SYN_SENT, then ESTABLISHED
    primary.queue(OTHER, flow(1001, OTHER, 3).key(), flow(1001, OTHER, 3)); // not held here
    primary.queue(HELD, flow(1002, HELD, 3).key(), null); // went
    ConntrackEntry toTheIpItself =
        new ConntrackEntry(6, HELD, EXT, 5000, 443, HELD, 5000, 0, 120, 0, 3, 7, 7);
    primary.queue(HELD, toTheIpItself.key(), toTheIpItself); // the node's own, not SNATed

    List<ReplicationBatch> batches = primary.drain(42);

    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).floatingIp()).isEqualTo(HELD);
    assertThat(batches.get(0).upserts()).containsExactly(flow(1000, HELD, 3));
    assertThat(batches.get(0).deletes()).containsExactly(flow(1002, HELD, 3).key());
    assertThat(primary.drain(43)).as("nothing twice").isEmpty();
  }

  @Test
  void aBatchIsCutAtItsMaximumSize() {
    ConntrackReplication primary =
        new ConntrackReplication(() -> Set.of(HELD), b -> {}, new InMemoryConntrackTable());
    for (int port = 1; port <= ConntrackReplication.BATCH_MAX + 1; port++) {
      primary.queue(HELD, flow(port, HELD, 3).key(), flow(port, HELD, 3));
    }

    assertThat(primary.drain(1))
        .extracting(b -> b.upserts().size())
        .containsExactly(ConntrackReplication.BATCH_MAX, 1);
  }

  @Test
  void aNodeRefusesEntriesForAnIpItIsNotTheStandbyFor() {
    ConntrackReplication node =
        new ConntrackReplication(Set::of, b -> {}, new InMemoryConntrackTable());
    node.standbyFor(Set.of(OTHER));

    int installed =
        node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0));

    assertThat(installed).isZero();
    assertThat(node.refusedEntries()).isEqualTo(1);
    assertThat(node.replicatedEntries()).isZero();
  }

  @Test
  void aBatchThatArrivesBeforeTheProgramNamingItsIpIsInstalledOnlyOnceThatProgramIsApplied() {
    ConntrackReplication node =
        new ConntrackReplication(Set::of, b -> {}, new InMemoryConntrackTable());
    node.standbyFor(Set.of(OTHER));

    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0, true, true));
    assertThat(node.replicatedEntries()).as("not the standby yet").isZero();
    assertThat(node.readyFor()).isEmpty();
    node.standbyFor(Set.of(OTHER, HELD));

    assertThat(node.replicatedEntries()).isEqualTo(1);
    assertThat(node.readyFor()).containsExactly(HELD);
  }

  @Test
  void aRequestedDumpGoesOutFromStartToEndAheadOfTheQueuedChangesItSupersedes() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    for (int port = 1; port <= ConntrackReplication.BATCH_MAX + 3; port++) {
      table.install(flow(port, HELD, 3));
    }
    ConntrackReplication primary = new ConntrackReplication(() -> Set.of(HELD), b -> {}, table);
    primary.queue(HELD, flow(1, HELD, 1).key(), flow(1, HELD, 1));

    primary.requestDump(List.of(HELD, OTHER)); // OTHER is not held here: no dump of it
    List<ReplicationBatch> batches = primary.dumpBatches(7);

    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).dumpStart()).isTrue();
    assertThat(batches.get(0).dumpEnd()).isFalse();
    assertThat(batches.get(1).dumpEnd()).isTrue();
    assertThat(batches).allMatch(b -> b.floatingIp() == HELD);
    assertThat(primary.drain(8)).as("the queued change is superseded").isEmpty();
  }

  @Test
  void aStandbyRefusesAnEntryOfTheBatchThatIsNotSnatedToItsIp() {
    ConntrackReplication node =
        new ConntrackReplication(Set::of, b -> {}, new InMemoryConntrackTable());
    node.standbyFor(Set.of(HELD));

    // a primary of HELD slipping in an entry NATed to another address
    int installed =
        node.accept(new ReplicationBatch(HELD, List.of(flow(1000, OTHER, 3)), List.of(), 0));

    assertThat(installed).isZero();
    assertThat(node.refusedEntries()).isEqualTo(1);
    assertThat(node.replicatedEntries()).isZero();
  }

  @Test
  void aTcpFlowFirstSeenMidStreamRightAfterATakeoverCountsAsNotReplicated() {
    ConntrackReplication node =
        new ConntrackReplication(() -> Set.of(HELD), b -> {}, new InMemoryConntrackTable());
    node.takeOver(HELD); // nothing replicated for it

    long now = System.nanoTime();
    node.countIfUnreplicated(flow(1000, HELD, 3), now); // ESTABLISHED at first sight
    node.countIfUnreplicated(flow(1001, HELD, ConntrackReplication.TCP_SYN_SENT), now); // new
    node.countIfUnreplicated(flow(1002, OTHER, 3), now); // another IP
    node.countIfUnreplicated(
        flow(1003, HELD, 3), now + ConntrackReplication.UNREPLICATED_WINDOW_NANOS); // later

    assertThat(node.unreplicatedAtTakeover()).isEqualTo(1);
  }

  @Test
  void aTakeoverReplacesTheNodesOwnForwardedEntryOfAReplicatedFlowAndInstallsTheRest() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    Set<Integer> held = new java.util.HashSet<>();
    ConntrackReplication node = new ConntrackReplication(() -> held, b -> {}, table);
    node.standbyFor(Set.of(HELD));
    // a local pod's flow, forwarded to the primary: this node's own entry, without NAT
    ConntrackEntry forwarded =
        new ConntrackEntry(6, POD, EXT, 1000, 443, POD, 1000, 0x8e, 120, 0x1000, 3, 7, 7);
    table.putOwn(forwarded);

    node.accept(
        new ReplicationBatch(
            HELD, List.of(flow(1000, HELD, 3), flow(1001, HELD, 3)), List.of(), 0, true, true));
    assertThat(table.isOwn(forwarded.key())).as("kept while standing by").isTrue();
    table.entries.remove(flow(1001, HELD, 3).key()); // timed out meanwhile

    held.add(HELD);
    int installed = node.takeOver(HELD);

    assertThat(installed).isEqualTo(2);
    assertThat(node.replacedEntries()).isEqualTo(1);
    assertThat(table.isOwn(forwarded.key())).isFalse();
    assertThat(table.entries.get(forwarded.key()).natAddress())
        .as("the flow's entry now carries the primary's NAT binding")
        .isEqualTo(HELD);
    assertThat(table.entries).containsKey(flow(1001, HELD, 3).key());
    // and the entries it installed itself do not count as picked up mid-stream
    node.countIfUnreplicated(flow(1000, HELD, 3), System.nanoTime());
    node.countIfUnreplicated(flow(1001, HELD, 3), System.nanoTime());
    assertThat(node.unreplicatedAtTakeover()).isZero();
  }

  @Test
  void aTakeoverReplacesTheNodesOwnFlowsLastAndBackToBack() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    Set<Integer> held = new java.util.HashSet<>();
    ConntrackReplication node = new ConntrackReplication(() -> held, b -> {}, table);
    node.standbyFor(Set.of(HELD));
    // two of this node's own pods' forwarded flows among flows of other nodes' pods
    for (int port : new int[] {1000, 1002}) {
      table.putOwn(
          new ConntrackEntry(6, POD, EXT, port, 443, POD, port, 0x8e, 120, 0x1000, 3, 7, 7));
    }
    node.accept(
        new ReplicationBatch(
            HELD,
            List.of(
                flow(1000, HELD, 3), flow(1001, HELD, 3), flow(1002, HELD, 3), flow(1003, HELD, 3)),
            List.of(),
            0,
            true,
            true));
    table.calls.clear();

    held.add(HELD);
    node.takeOver(HELD);

    // from a replacement on, the own pod's packets are dropped until this node's egress says "SNAT
    // here": nothing else may run between the first replacement and the end of the takeover
    List<String> firstReplacementOn =
        table.calls.subList(
            table.calls.indexOf(
                table.calls.stream()
                    .filter(c -> c.startsWith("replace"))
                    .findFirst()
                    .orElseThrow()),
            table.calls.size());
    assertThat(firstReplacementOn).containsExactlyInAnyOrder("replace 1000", "replace 1002");
    assertThat(node.replacedEntries()).isEqualTo(2);
  }

  @Test
  void aTakeoverCreatesTheMissingEntriesInOneBatchAndDumpsNothingForAnIpWithoutFlows() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    Set<Integer> held = new java.util.HashSet<>();
    ConntrackReplication node = new ConntrackReplication(() -> held, b -> {}, table);
    node.standbyFor(Set.of(HELD, OTHER));
    node.accept(
        new ReplicationBatch(
            HELD,
            List.of(flow(1000, HELD, 3), flow(1001, HELD, 3), flow(1002, HELD, 3)),
            List.of(),
            0,
            true,
            true));
    table.entries.clear(); // all three timed out here meanwhile
    table.createAllSizes.clear();
    int dumpsBefore = table.dumps;

    held.add(OTHER);
    assertThat(node.takeOver(OTHER)).isZero();
    assertThat(table.dumps)
        .as("no flow replicated for OTHER: nothing to dump")
        .isEqualTo(dumpsBefore);

    held.add(HELD);
    int installed = node.takeOver(HELD);

    assertThat(installed).isEqualTo(3);
    assertThat(table.createAllSizes).as("one batch, not a round trip each").containsExactly(3);
    assertThat(table.dumps).isEqualTo(dumpsBefore + 1);
    assertThat(table.entries)
        .containsKeys(
            flow(1000, HELD, 3).key(), flow(1001, HELD, 3).key(), flow(1002, HELD, 3).key());
  }

  @Test
  void aFlowThatEndedOnThePrimaryIsDeletedHereEvenWhenItIsTheNodesOwn() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    ConntrackReplication node = new ConntrackReplication(Set::of, b -> {}, table);
    node.standbyFor(Set.of(HELD));
    ConntrackEntry forwarded =
        new ConntrackEntry(6, POD, EXT, 1000, 443, POD, 1000, 0x8e, 120, 0x1000, 3, 7, 7);
    table.putOwn(forwarded);
    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0));

    node.accept(new ReplicationBatch(HELD, List.of(), List.of(flow(1000, HELD, 3).key()), 0));

    assertThat(table.entries)
        .as("the flow ended on the primary: its entry goes here too")
        .doesNotContainKey(forwarded.key());
  }

  @Test
  void aFlowReplicatedTwiceIsUpdatedNotReplacedAtTheTakeover() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    Set<Integer> held = new java.util.HashSet<>();
    ConntrackReplication node = new ConntrackReplication(() -> held, b -> {}, table);
    node.standbyFor(Set.of(HELD));
    // SYN_SENT, then ESTABLISHED: the second install finds the first one's entry
    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 1)), List.of(), 0));
    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0));
    table.calls.clear();

    held.add(HELD);
    node.takeOver(HELD);

    assertThat(table.calls)
        .as(
            "the kernel holds this node's copy (created at SYN_SENT, never updated while standing"
                + " by): brought up to the latest state, not replaced")
        .containsExactly("install 1000");
    assertThat(node.replacedEntries()).isZero();
  }

  @Test
  void entriesTheKernelRefusesAreCountedAsFailed() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    table.failing = true;
    ConntrackReplication node = new ConntrackReplication(Set::of, b -> {}, table);
    node.standbyFor(Set.of(HELD));

    int installed =
        node.accept(
            new ReplicationBatch(
                HELD, List.of(flow(1000, HELD, 3), flow(1001, HELD, 3)), List.of(), 0));

    assertThat(installed).isZero();
    assertThat(node.failedInstalls()).isEqualTo(2);
    assertThat(node.installedEntries()).isZero();
  }

  @Test
  void aStandbyDropsItsCopyOfAClosedTcpFlowInsteadOfInstallingIt() {
    InMemoryConntrackTable table = new InMemoryConntrackTable();
    ConntrackReplication node = new ConntrackReplication(Set::of, b -> {}, table);
    node.standbyFor(Set.of(HELD));
    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0));
    assertThat(table.entries).containsKey(flow(1000, HELD, 3).key());

    node.accept(
        new ReplicationBatch(
            HELD,
            List.of(flow(1000, HELD, ConntrackReplication.TCP_TIME_WAIT), flow(1001, HELD, 8)),
            List.of(),
            0));

    assertThat(node.replicatedEntries()).as("nothing to carry over").isZero();
    assertThat(table.entries).as("the copy is gone, the closed one never installed").isEmpty();
  }
}
