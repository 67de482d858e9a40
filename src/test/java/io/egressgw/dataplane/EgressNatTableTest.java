package io.egressgw.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nft table's text: what it records in the conntrack mark and what it drops. */
class EgressNatTableTest {

  @Test
  void aNewFlowRecordsItsClassAndEgressInTheConntrackMarkBeforeItsNatBinding() {
    String table = EgressNatTable.definition(Map.of());

    String snatClass =
        "meta mark & 0x00003fff == 0x00000e66 ct mark set meta mark & 0xffff0000 | 0x00002000";
    String forwardedClass =
        "meta mark & 0x00003fff == 0x00000e65 ct mark set meta mark & 0xffff0000 | 0x00001000";
    assertThat(table).contains(snatClass, forwardedClass);
    assertThat(table.indexOf(snatClass)).isLessThan(table.indexOf("snat to meta mark map"));
    assertThat(table.indexOf(forwardedClass)).isLessThan(table.indexOf("snat to ip saddr"));
  }

  @Test
  void aPacketWhoseFlowHasTheOtherClassIsDropped() {
    String table = EgressNatTable.definition(Map.of());

    assertThat(table)
        .contains("chain flowclass {")
        .contains("type filter hook postrouting priority srcnat + 10;")
        .as("to SNAT here, but the flow was forwarded: it would leave with the pod's address")
        .contains(
            "ct direction original meta mark & 0x00003fff == 0x00000e66"
                + " ct mark & 0x00003000 == 0x00001000 drop")
        .as("to steer, but the flow was SNATed here: it would leave with a released IP")
        .contains(
            "ct direction original meta mark & 0x00003fff == 0x00000e65"
                + " ct mark & 0x00003000 == 0x00002000 drop");
  }

  @Test
  void theClassBitsAreNeitherKubeProxysNorTheEgressIdsNorAnActionOfOurs() {
    assertThat(FlowClass.MASK)
        .matches(bits -> (bits & MapLayouts.MARK_KUBE_PROXY) == 0, "not kube-proxy's 0xc000")
        .matches(bits -> (bits & MapLayouts.MARK_ID_MASK) == 0, "not the egress id's bits");
    for (int flowClass : new int[] {FlowClass.FORWARDED, FlowClass.SNATED}) {
      int actionBits = FlowClass.ctMark(flowClass, 0xffff) & MapLayouts.MARK_MASK;
      assertThat(actionBits)
          .as("a conntrack mark restored into skb->mark must not read as steer or SNAT")
          .isNotIn(MapLayouts.MARK_STEER, MapLayouts.MARK_SNAT, MapLayouts.MARK_STEERED);
      assertThat(FlowClass.of(FlowClass.ctMark(flowClass, 42))).isEqualTo(flowClass);
      assertThat(FlowClass.egressIdOf(FlowClass.ctMark(flowClass, 0xffff))).isEqualTo(0xffff);
    }
  }

  @Test
  void thePortAllocationModeIsAFlagOfTheSnatToTheFloatingIpOnly() {
    assertThat(EgressNatTable.definition(Map.of()))
        .contains("snat to meta mark map @snat_ips\n")
        .doesNotContain("random");
    String table = EgressNatTable.definition(Map.of(), SnatPortAllocation.FULLY_RANDOM);
    assertThat(table)
        .contains("snat to meta mark map @snat_ips fully-random\n")
        .as("the identity SNAT of steered flows keeps the pod's port")
        .contains("snat to ip saddr\n");
    assertThat(EgressNatTable.definition(Map.of(), SnatPortAllocation.RANDOM))
        .contains("snat to meta mark map @snat_ips random\n");
  }

  @Test
  void onlyRepliesOfFlowsOpenedFromOutsideAreUnmarked() {
    String table = EgressNatTable.definition(Map.of());

    assertThat(table)
        .as("a TCP SYN or another protocol's first packet from outside, not marked by us")
        .contains(
            "ct state new meta mark & 0x00003fff == 0 tcp flags & (syn | ack) == syn"
                + " ct mark set ct mark | 0x00003000")
        .contains(
            "ct state new meta mark & 0x00003fff == 0 meta l4proto != tcp"
                + " ct mark set ct mark | 0x00003000")
        .as("a flow picked up backwards from a mid-stream packet keeps the pod's packets marked")
        .contains(
            "ct direction reply ct mark & 0x00003000 == 0x00003000"
                + " meta mark & 0x00003fff == 0x00000e65 meta mark set 0")
        .contains(
            "ct direction reply ct mark & 0x00003000 == 0x00003000"
                + " meta mark & 0x00003fff == 0x00000e66 meta mark set 0")
        .doesNotContain("ct direction reply meta mark");
    assertThat(FlowClass.of(FlowClass.INBOUND))
        .isNotIn(FlowClass.FORWARDED, FlowClass.SNATED)
        .as("restored into skb->mark, not an action of ours")
        .matches(
            bits ->
                bits != MapLayouts.MARK_STEER
                    && bits != MapLayouts.MARK_SNAT
                    && bits != MapLayouts.MARK_STEERED);
  }
}
