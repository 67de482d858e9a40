package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.dataplane.Rtnetlink.Address;
import io.egressgw.dataplane.Rtnetlink.Link;
import io.egressgw.net.Ipv4;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which interface addresses a node reports as its subnets (pure filtering). */
class AgentNodeInfoTest {

  @Test
  void reportsUplinkAndOtherInterfacesButNotLoopbackPodsOrFloatingIps() {
    List<Link> links =
        List.of(
            new Link(1, "lo", "-", 0x9),
            new Link(2, "eth0", "veth", 0x1003),
            new Link(3, "eth1", "-", 0x1003),
            new Link(4, "cali1", "veth", 0x1003));
    List<Address> addresses =
        List.of(
            new Address(1, "lo", Ipv4.parseOrThrow("127.0.0.1"), 8),
            new Address(2, "eth0", Ipv4.parseOrThrow("10.77.0.1"), 24),
            new Address(2, "eth0:egw", Ipv4.parseOrThrow("10.77.0.100"), 32),
            new Address(3, "eth1", Ipv4.parseOrThrow("192.168.5.9"), 16),
            new Address(4, "cali1", Ipv4.parseOrThrow("169.254.1.1"), 32));

    List<String> subnets =
        AgentNodeInfo.subnets(links, addresses, l -> l.name().startsWith("cali"), "eth0:egw");

    assertEquals(List.of("10.77.0.1/24", "192.168.5.9/16"), subnets);
  }
}
