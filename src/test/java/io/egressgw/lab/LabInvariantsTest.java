package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabInvariants.ArpSample;
import io.egressgw.lab.LabInvariants.Bounds;
import io.egressgw.lab.LabInvariants.ProbeSample;
import io.egressgw.lab.LabInvariants.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the chaos harness judges a cycle from what its monitors recorded. */
class LabInvariantsTest {
  static final String EGRESS = "192.168.1.100";
  static final String FIP = "192.168.1.100";
  static final String POD = "paul/frontend";
  static final String MAC_A = "02:00:00:00:00:0a";
  static final String MAC_B = "02:00:00:00:00:0b";
  static final Bounds BOUNDS = new Bounds(Duration.ofSeconds(1), Duration.ofSeconds(1));
  static final long MS = 1_000_000L;

  /** A probe every 25 ms from `fromMs` to `toMs` (cycle-relative) with the given answer. */
  static List<ProbeSample> probes(long fromMs, long toMs, String seen) {
    List<ProbeSample> list = new ArrayList<>();
    for (long t = fromMs; t <= toMs; t += 25) {
      list.add(new ProbeSample(t * MS, POD, seen));
    }
    return list;
  }

  /** An ARP request every 100 ms from `fromMs` to `toMs` answered by the given MACs. */
  static List<ArpSample> arp(long fromMs, long toMs, String... macs) {
    List<ArpSample> list = new ArrayList<>();
    for (long t = fromMs; t <= toMs; t += 100) {
      list.add(new ArpSample(t * MS, FIP, Set.of(macs)));
    }
    return list;
  }

  static Verdict judge(List<ProbeSample> probes, List<ArpSample> arp) {
    return LabInvariants.judge(0, 5000 * MS, probes, Set.of(POD), EGRESS, arp, BOUNDS);
  }

  @Test
  void aCleanHandOverBreaksNothingAndReportsItsGap() {
    List<ProbeSample> probes = new ArrayList<>(probes(-500, 0, EGRESS));
    probes.addAll(probes(25, 500, "-"));
    probes.addAll(probes(525, 5000, EGRESS));
    List<ArpSample> arp = new ArrayList<>(arp(0, 200, MAC_A));
    arp.addAll(arp(300, 400));
    arp.addAll(arp(500, 5000, MAC_B));

    Verdict v = judge(probes, arp);

    assertThat(v.breaches()).as("notes %s", v.notes()).isZero();
    assertThat(v.worstOutage()).isEqualTo(Duration.ofMillis(525));
  }

  @Test
  void twoArpOwnersForLongerThanTheSettleTimeIsABreach() {
    List<ArpSample> arp = new ArrayList<>(arp(0, 300, MAC_A));
    arp.addAll(arp(400, 2000, MAC_A, MAC_B));
    arp.addAll(arp(2100, 5000, MAC_B));

    Verdict v = judge(probes(0, 5000, EGRESS), arp);

    assertThat(v.arpBreaches()).isEqualTo(1);
    assertThat(v.notes()).singleElement().asString().contains("2 ARP owners for 1700 ms");
  }

  @Test
  void twoArpOwnersWithinTheSettleTimeAreAHandOver() {
    List<ArpSample> arp = new ArrayList<>(arp(0, 300, MAC_A));
    arp.addAll(arp(400, 1000, MAC_A, MAC_B));
    arp.addAll(arp(1100, 5000, MAC_B));

    assertThat(judge(probes(0, 5000, EGRESS), arp).arpBreaches()).isZero();
  }

  @Test
  void noArpOwnerAtTheEndOfTheCycleIsABreachHoweverShort() {
    List<ArpSample> arp = new ArrayList<>(arp(0, 4800, MAC_A));
    arp.addAll(arp(4900, 5000));

    Verdict v = judge(probes(0, 5000, EGRESS), arp);

    assertThat(v.arpBreaches()).isEqualTo(1);
    assertThat(v.notes()).singleElement().asString().contains("no ARP owner");
  }

  @Test
  void oneProbeSeenWithAnotherSourceIsABreach() {
    List<ProbeSample> probes = new ArrayList<>(probes(0, 1000, EGRESS));
    probes.add(new ProbeSample(1010 * MS, POD, "192.168.1.2"));
    probes.addAll(probes(1025, 5000, EGRESS));

    Verdict v = judge(probes, arp(0, 5000, MAC_A));

    assertThat(v.sourceBreaches()).isEqualTo(1);
    assertThat(v.notes()).singleElement().asString().contains("seen outside as 192.168.1.2");
  }

  @Test
  void anOutageLongerThanTheBoundIsABreachAndCountsToTheEndOfTheCycle() {
    List<ProbeSample> probes = new ArrayList<>(probes(0, 3000, EGRESS));
    probes.addAll(probes(3025, 5000, "-"));

    Verdict v = judge(probes, arp(0, 5000, MAC_A));

    assertThat(v.outageBreaches()).isEqualTo(1);
    assertThat(v.worstOutage()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void anOutageIsCountedFromTheFaultNotFromTheLastProbeBeforeIt() {
    List<ProbeSample> probes = new ArrayList<>(probes(-2000, -1000, EGRESS));
    probes.addAll(probes(300, 5000, EGRESS));

    assertThat(judge(probes, arp(0, 5000, MAC_A)).worstOutage()).isEqualTo(Duration.ofMillis(300));
  }
}
