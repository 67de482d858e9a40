package io.egressgw.dataplane;

import static io.egressgw.dataplane.MapLayouts.*;
import static io.egressgw.dataplane.ProgTestRun.TC_ACT_REDIRECT;
import static io.egressgw.dataplane.ProgTestRun.TC_ACT_SHOT;
import static io.egressgw.dataplane.ProgTestRun.TC_ACT_UNSPEC;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeReport.PolicyCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The three tc programs in the kernel on crafted packets (BPF_PROG_TEST_RUN), table-driven. The
 * object is loaded (never attached) with its maps pinned on a bpffs mounted for this test only.
 *
 * <p>This node is 10.77.0.2. Egress 7 is held by another node (127.0.0.2, see load()), egress 8 by
 * this node, egress 9 by nobody. Rule set 1: 203.0.113.0/24 -> 7, 203.0.113.128/25 -> 8,
 * 192.0.2.0/24 -> 99 (unknown egress); rule set 2: 0.0.0.0/0 -> 9; rule set 3: 203.0.113.0/24 -> 8.
 * 10.244.1.5 is known but not selected (rule set 0, no routes); 10.244.9.9 is not known. Guarded:
 * 203.0.113.0/24, 192.0.2.0/24 and 10.244.0.0/16 (the policies' destinations). Excluded
 * (in-cluster): 10.244.0.0/16, under rule set 1's more specific 10.244.1.0/24 -> 7.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BpfProgramsProgTestRunE2E {
  static final String NODE_IP = "10.77.0.2";
  Path bpffs;
  DataplaneObject bpf;

  @BeforeAll
  void load() throws Exception {
    RootRequirement.check();
    bpffs = Files.createTempDirectory("egw-bpffs-test-");
    Sh.must("mount", "-t", "bpf", "bpf", bpffs.toString());
    bpf =
        DataplaneObject.load(
            bpffs.resolve("node").toString(),
            Ipv4.parseOrThrow(NODE_IP),
            DataplaneObject.Capacities.defaults());
    MapCodec.writeSources(
        bpf.sources(),
        Map.of(
            Ipv4.parseOrThrow("10.244.1.2"),
            1,
            Ipv4.parseOrThrow("10.244.1.3"),
            2,
            Ipv4.parseOrThrow("10.244.1.4"),
            3,
            Ipv4.parseOrThrow("10.244.1.5"),
            0));
    MapCodec.writeGuard(
        bpf.guard(),
        List.of(
            Ipv4Prefix.parse("203.0.113.0/24"),
            Ipv4Prefix.parse("192.0.2.0/24"),
            Ipv4Prefix.parse("10.244.0.0/16")));
    MapCodec.writeGuard(bpf.excluded(), List.of(Ipv4Prefix.parse("10.244.0.0/16")));
    MapCodec.writeRoutes(
        bpf.routes(),
        Map.of(
            new RouteKey(1, Ipv4Prefix.parse("203.0.113.0/24")), 7,
            new RouteKey(1, Ipv4Prefix.parse("203.0.113.128/25")), 8,
            new RouteKey(1, Ipv4Prefix.parse("192.0.2.0/24")), 99,
            new RouteKey(1, Ipv4Prefix.parse("10.244.1.0/24")), 7,
            new RouteKey(2, Ipv4Prefix.parse("0.0.0.0/0")), 9,
            new RouteKey(3, Ipv4Prefix.parse("203.0.113.0/24")), 8));
    MapCodec.writeEgresses(
        bpf.egresses(),
        Map.of(
            // gateway 127.0.0.2: egw_steer's neighbour check (bpf_fib_lookup, in whatever namespace
            // the
            // test runs) then finds a local address, never a missing neighbour, whatever the host's
            // routes; the missing-neighbour drop is tested in namespaces (EgressGatewayE2E)
            7,
                new EgressEntry(
                    Ipv4.parseOrThrow("127.0.0.2"),
                    Ipv4.parseOrThrow("10.77.0.100"),
                    EGRESS_HAS_GATEWAY),
            8,
                new EgressEntry(
                    Ipv4.parseOrThrow(NODE_IP),
                    Ipv4.parseOrThrow("10.77.0.101"),
                    EGRESS_HAS_GATEWAY),
            9, new EgressEntry(0, Ipv4.parseOrThrow("10.77.0.102"), 0)));
  }

  @AfterAll
  void unload() throws Exception {
    if (bpf != null) {
      bpf.close();
    }
    if (bpffs != null) {
      Sh.run(10, "umount", bpffs.toString());
      Files.deleteIfExists(bpffs);
    }
  }

  /** One row: a packet (and skb->mark) into a program, the verdict and mark expected out. */
  @SuppressWarnings("ArrayRecordComponent") // rows of a table, never compared
  record Case(String desc, String program, byte[] packet, int markIn, int verdict, int markOut) {}

  static Case tcp(
      String desc, String prog, String src, String dst, int markIn, int verdict, int markOut) {
    return new Case(desc, prog, ProgTestRun.tcpPacket(src, dst), markIn, verdict, markOut);
  }

  static List<Case> cases() {
    return List.of(
        tcp(
            "classify: selected source to 0.0.0.0/0 but an excluded (in-cluster) destination:"
                + " untouched, mark unchanged",
            PROG_CLASSIFY,
            "10.244.1.3",
            "10.244.1.11",
            0x1234,
            TC_ACT_UNSPEC,
            0x1234),
        tcp(
            "classify: excluded destination under a more specific policy prefix: untouched",
            PROG_CLASSIFY,
            "10.244.1.2",
            "10.244.1.11",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: unknown source to a guarded but excluded destination: not dropped",
            PROG_CLASSIFY,
            "10.244.9.9",
            "10.244.1.11",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "gateway: selected source to an excluded destination: never SNATed",
            PROG_GATEWAY,
            "10.244.1.2",
            "10.244.1.11",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: unknown source (node not programmed for it yet) to a guarded destination:"
                + " drop",
            PROG_CLASSIFY,
            "10.244.9.9",
            "203.0.113.10",
            0,
            TC_ACT_SHOT,
            0),
        tcp(
            "classify: unknown source to an unguarded destination passes unmarked",
            PROG_CLASSIFY,
            "10.244.9.9",
            "198.51.100.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: known unselected source (rule set 0) to a guarded destination passes"
                + " unmarked",
            PROG_CLASSIFY,
            "10.244.1.5",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: known unselected source (rule set 0) to an unguarded destination passes"
                + " unmarked",
            PROG_CLASSIFY,
            "10.244.1.5",
            "198.51.100.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: selected source, destination outside its rule set",
            PROG_CLASSIFY,
            "10.244.1.2",
            "198.51.100.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "classify: egress held by another node: steer",
            PROG_CLASSIFY,
            "10.244.1.2",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            mark(MARK_STEER, 7)),
        tcp(
            "classify: longest prefix wins, egress held here: SNAT here",
            PROG_CLASSIFY,
            "10.244.1.2",
            "203.0.113.200",
            0,
            TC_ACT_UNSPEC,
            mark(MARK_SNAT, 8)),
        tcp(
            "classify: rule sets are separate (rule set 3, same prefix)",
            PROG_CLASSIFY,
            "10.244.1.4",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            mark(MARK_SNAT, 8)),
        tcp(
            "classify: egress without gateway: drop (fail closed)",
            PROG_CLASSIFY,
            "10.244.1.3",
            "8.8.8.8",
            0,
            TC_ACT_SHOT,
            0),
        tcp(
            "classify: route to an unknown egress: drop",
            PROG_CLASSIFY,
            "10.244.1.2",
            "192.0.2.1",
            0,
            TC_ACT_SHOT,
            0),
        new Case(
            "classify: ARP untouched", PROG_CLASSIFY, ProgTestRun.arpPacket(), 0, TC_ACT_UNSPEC, 0),
        tcp(
            "steer: steer mark: redirect, marked as steered",
            PROG_STEER,
            "10.244.1.2",
            "203.0.113.10",
            mark(MARK_STEER, 7),
            TC_ACT_REDIRECT,
            mark(MARK_STEERED, 7)),
        tcp(
            "steer: egress lost its gateway: drop",
            PROG_STEER,
            "10.244.1.3",
            "8.8.8.8",
            mark(MARK_STEER, 9),
            TC_ACT_SHOT,
            mark(MARK_STEER, 9)),
        tcp(
            "steer: already steered (second pass): untouched",
            PROG_STEER,
            "10.244.1.2",
            "203.0.113.10",
            mark(MARK_STEERED, 7),
            TC_ACT_UNSPEC,
            mark(MARK_STEERED, 7)),
        tcp(
            "steer: unmarked: untouched",
            PROG_STEER,
            "10.244.9.9",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "steer: SNAT-here mark but still the pod's source (conntrack did not NAT it, an"
                + " INVALID packet): drop, never leaves with the pod's address",
            PROG_STEER,
            "10.244.1.4",
            "203.0.113.10",
            mark(MARK_SNAT, 8),
            TC_ACT_SHOT,
            mark(MARK_SNAT, 8)),
        tcp(
            "gateway: remote pod, egress held here: SNAT here",
            PROG_GATEWAY,
            "10.244.1.4",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            mark(MARK_SNAT, 8)),
        tcp(
            "gateway: remote pod, egress held elsewhere (steered here by a stale program): drop,"
                + " never forwarded masqueraded",
            PROG_GATEWAY,
            "10.244.1.2",
            "203.0.113.10",
            0,
            TC_ACT_SHOT,
            0),
        tcp(
            "gateway: known unselected pod to a guarded destination: drop",
            PROG_GATEWAY,
            "10.244.1.5",
            "203.0.113.10",
            0,
            TC_ACT_SHOT,
            0),
        tcp(
            "gateway: remote pod to a destination outside every policy: untouched",
            PROG_GATEWAY,
            "10.244.1.2",
            "198.51.100.7",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "gateway: remote pod to this node's own address: untouched",
            PROG_GATEWAY,
            "10.244.9.9",
            NODE_IP,
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "gateway: an outside host to a guarded destination (not in-cluster): untouched",
            PROG_GATEWAY,
            "198.51.100.7",
            "203.0.113.10",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "gateway: reply from outside: untouched",
            PROG_GATEWAY,
            "203.0.113.10",
            "10.77.0.101",
            0,
            TC_ACT_UNSPEC,
            0),
        tcp(
            "gateway: unknown pod (in-cluster) source to a guarded destination: drop",
            PROG_GATEWAY,
            "10.244.9.9",
            "203.0.113.10",
            0,
            TC_ACT_SHOT,
            0));
  }

  @TestFactory
  Stream<DynamicTest> programsOnCraftedPackets() {
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.desc(),
                    () -> {
                      ProgTestRun.Result r =
                          ProgTestRun.run(bpf.programFd(c.program()), c.packet(), c.markIn(), 1);
                      assertEquals(c.verdict(), r.retval(), c.desc() + ": verdict");
                      assertEquals(
                          Integer.toHexString(c.markOut()),
                          Integer.toHexString(r.markOut()),
                          c.desc() + ": mark");
                    }));
  }

  @Test
  void packetsAreCountedPerEgressWhereTheyLeaveTheNode() {
    byte[] packet = ProgTestRun.tcpPacket("10.244.1.2", "203.0.113.10");
    PolicyCounters steered = counters(7);
    PolicyCounters snat = counters(8);

    ProgTestRun.run(bpf.programFd(PROG_CLASSIFY), packet, 0, 10);
    assertEquals(
        steered, counters(7), "classification alone counts nothing (FORWARD may still drop)");
    for (int i = 0;
        i < 10;
        i++) { // one run each: in a repeated run the skb keeps its new "steered" mark
      ProgTestRun.run(bpf.programFd(PROG_STEER), packet, mark(MARK_STEER, 7), 1);
    }
    // what leaves SNATed has the floating IP (held here) as its source
    FloatingIpLeases leases = new FloatingIpLeases(bpf.leases(), bpf.yields());
    int fip = Ipv4.parseOrThrow("10.77.0.101");
    leases.take(fip, System.nanoTime(), java.util.concurrent.TimeUnit.HOURS.toNanos(1));
    try {
      ProgTestRun.run(
          bpf.programFd(PROG_STEER),
          ProgTestRun.tcpPacket("10.77.0.101", "203.0.113.10"),
          mark(MARK_SNAT, 8),
          5);
    } finally {
      leases.remove(fip);
    }

    assertEquals(10, counters(7).packets() - steered.packets());
    assertEquals(10L * packet.length, counters(7).bytes() - steered.bytes());
    assertEquals(5, counters(8).packets() - snat.packets());
  }

  @Test
  void guardDropsAreCountedPerNode() {
    PolicyCounters before = drops(DROP_GUARD);

    ProgTestRun.run(
        bpf.programFd(PROG_CLASSIFY), ProgTestRun.tcpPacket("10.244.9.9", "192.0.2.7"), 0, 3);
    ProgTestRun.run(
        bpf.programFd(PROG_CLASSIFY), ProgTestRun.tcpPacket("10.244.9.9", "198.51.100.10"), 0, 4);
    ProgTestRun.run(
        bpf.programFd(PROG_CLASSIFY), ProgTestRun.tcpPacket("10.244.1.5", "192.0.2.7"), 0, 4);

    assertEquals(
        3,
        drops(DROP_GUARD).packets() - before.packets(),
        "only the unknown source's packets to the guarded destination");
  }

  @Test
  void dropsAreCountedPerReason() {
    PolicyCounters noEgress = drops(DROP_NO_EGRESS);
    PolicyCounters guard = drops(DROP_GUARD);

    // classify: a selected pod whose egress has no gateway (2), steer: the egress lost it (3)
    ProgTestRun.run(
        bpf.programFd(PROG_CLASSIFY), ProgTestRun.tcpPacket("10.244.1.3", "8.8.8.8"), 0, 2);
    ProgTestRun.run(
        bpf.programFd(PROG_STEER),
        ProgTestRun.tcpPacket("10.244.1.3", "8.8.8.8"),
        mark(MARK_STEER, 9),
        3);

    assertEquals(5, drops(DROP_NO_EGRESS).packets() - noEgress.packets(), "no egress");
    assertEquals(guard, drops(DROP_GUARD), "not guard drops");
  }

  /**
   * Floating IP ownership in the uplink programs (lib/lease.h): a live lease answers, accepts and
   * sends; a lapsed one does none of it; a yielded one (another host announced the IP) neither
   * answers ARP nor accepts traffic, but still sends what it SNATs until its lease runs out, so
   * that the flows other nodes steer to it until their next program (a planned hand-over's rollout
   * step) are not dropped.
   */
  @Test
  void aYieldedHolderStopsAnsweringAndAcceptingButStillSendsUntilItsLeaseRunsOut() {
    FloatingIpLeases leases = new FloatingIpLeases(bpf.leases(), bpf.yields());
    long now = System.nanoTime();
    long hour = java.util.concurrent.TimeUnit.HOURS.toNanos(1);
    String live = "10.77.0.110";
    String lapsed = "10.77.0.111";
    String yielded = "10.77.0.112";
    leases.take(Ipv4.parseOrThrow(live), now, hour);
    leases.lapse(Ipv4.parseOrThrow(lapsed));
    leases.take(Ipv4.parseOrThrow(yielded), now, hour);
    try {
      // another host's gratuitous ARP for the yielded IP, seen by the gateway program
      assertEquals(
          TC_ACT_SHOT,
          ProgTestRun.run(bpf.programFd(PROG_GATEWAY), arp(yielded, yielded), 0, 1).retval(),
          "the claim is recorded and kept from the kernel");
      assertEquals(
          FloatingIpLeases.State.YIELDED,
          leases.state(Ipv4.parseOrThrow(yielded), System.nanoTime()));

      for (String ip : List.of(live, lapsed, yielded)) {
        boolean owns = ip.equals(live);
        boolean sends = !ip.equals(lapsed);
        assertEquals(
            owns ? TC_ACT_UNSPEC : TC_ACT_SHOT,
            ProgTestRun.run(bpf.programFd(PROG_GATEWAY), arp("198.51.100.7", ip), 0, 1).retval(),
            ip + ": an ARP request for it reaches the kernel only while the lease is live");
        assertEquals(
            owns ? TC_ACT_UNSPEC : TC_ACT_SHOT,
            ProgTestRun.run(bpf.programFd(PROG_STEER), arp(ip, "198.51.100.7"), 0, 1).retval(),
            ip + ": the kernel's ARP from it leaves only while the lease is live");
        assertEquals(
            owns ? TC_ACT_UNSPEC : TC_ACT_SHOT,
            ProgTestRun.run(
                    bpf.programFd(PROG_GATEWAY), ProgTestRun.tcpPacket("203.0.113.10", ip), 0, 1)
                .retval(),
            ip + ": traffic to it is accepted only while the lease is live");
        assertEquals(
            sends ? TC_ACT_UNSPEC : TC_ACT_SHOT,
            ProgTestRun.run(
                    bpf.programFd(PROG_STEER),
                    ProgTestRun.tcpPacket(ip, "203.0.113.10"),
                    mark(MARK_SNAT, 8),
                    1)
                .retval(),
            ip + ": what is SNATed to it leaves while the lease runs, yielded or not");
      }

      // once the yielded IP's lease runs out, nothing leaves from it either
      leases.lapse(Ipv4.parseOrThrow(yielded));
      assertEquals(
          TC_ACT_SHOT,
          ProgTestRun.run(
                  bpf.programFd(PROG_STEER),
                  ProgTestRun.tcpPacket(yielded, "203.0.113.10"),
                  mark(MARK_SNAT, 8),
                  1)
              .retval());
    } finally {
      for (String ip : List.of(live, lapsed, yielded)) {
        leases.remove(Ipv4.parseOrThrow(ip));
      }
    }
  }

  /**
   * The agent extends a yielded lease (so that what it SNATs still leaves during a hand-over's
   * rollout step) only while it runs, and never past the grace after the claim.
   */
  @Test
  void aYieldedLeaseIsExtendedOnlyWhileItRunsAndWithinTheGraceAfterTheClaim() {
    FloatingIpLeases leases = new FloatingIpLeases(bpf.leases(), bpf.yields());
    int ip = Ipv4.parseOrThrow("10.77.0.113");
    long ms = 1_000_000L;
    leases.take(ip, System.nanoTime(), 100 * ms);
    try {
      assertEquals(
          false,
          leases.extendYielded(ip, System.nanoTime(), 100 * ms, 1000 * ms),
          "a live lease is renewed, not extended as yielded");
      ProgTestRun.run(
          bpf.programFd(PROG_GATEWAY), arp("10.77.0.113", "10.77.0.113"), 0, 1); // the claim
      long claimed = leases.claim(ip).orElseThrow().atNanos();

      assertEquals(true, leases.extendYielded(ip, claimed + 50 * ms, 100 * ms, 1000 * ms));
      assertEquals(FloatingIpLeases.State.YIELDED, leases.state(ip, claimed + 149 * ms));
      assertEquals(
          true,
          leases.extendYielded(ip, claimed + 120 * ms, 10_000 * ms, 1000 * ms),
          "extended up to the grace");
      assertEquals(
          false,
          leases.extendYielded(ip, claimed + 900 * ms, 10_000 * ms, 1000 * ms),
          "never past the grace after the claim");
      assertEquals(
          false,
          leases.extendYielded(ip, claimed + 1001 * ms, 100 * ms, 5000 * ms),
          "a lease that ran out is not revived");
    } finally {
      leases.remove(ip);
    }
  }

  /** An Ethernet ARP request from sender address spa asking for tpa. */
  static byte[] arp(String spa, String tpa) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(60);
    b.put(new byte[] {-1, -1, -1, -1, -1, -1})
        .put(new byte[] {2, 0, 0, 0, 0, 9})
        .putShort((short) 0x0806);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
    b.put(new byte[] {2, 0, 0, 0, 0, 9}).putInt(Ipv4.parseOrThrow(spa));
    b.put(new byte[6]).putInt(Ipv4.parseOrThrow(tpa));
    return b.array();
  }

  PolicyCounters drops(int reason) {
    return MapCodec.sumCounters(bpf.drops().lookup(MapCodec.u32(reason)), bpf.possibleCpus());
  }

  PolicyCounters counters(int egressId) {
    return MapCodec.sumCounters(bpf.counters().lookup(MapCodec.u32(egressId)), bpf.possibleCpus());
  }
}
