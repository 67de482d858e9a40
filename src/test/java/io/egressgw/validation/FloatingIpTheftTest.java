package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A floating IP must not take over a node's address, its subnet's edges or link-local space. */
class FloatingIpTheftTest {
  static final List<NodeNetwork> NODES =
      List.of(
          new NodeNetwork("worker2", List.of("192.168.1.2"), List.of("192.168.1.2/24")),
          new NodeNetwork("cp1", List.of("10.0.0.10", "198.51.100.7"), List.of()),
          new NodeNetwork("wide", List.of(), List.of("172.16.2.9/23")));

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("a node's InternalIP", "192.168.1.2", "address of Node worker2"),
        Arguments.of("a node's ExternalIP", "198.51.100.7", "address of Node cp1"),
        Arguments.of("network address of a reported /24", "192.168.1.0", "network address"),
        Arguments.of("broadcast address of a reported /24", "192.168.1.255", "broadcast address"),
        Arguments.of("network address of a reported /23", "172.16.2.0", "network address"),
        Arguments.of("broadcast address of a reported /23", "172.16.3.255", "broadcast address"),
        Arguments.of("cloud metadata (link-local)", "169.254.169.254", "link-local"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesAddressesThatBelongToSomeoneElse(String desc, String ip, String reason) {
    assertThat(FloatingIpTheft.problem(ip, NODES)).get().asString().contains(reason);
  }

  /**
   * Addresses no host may have, refused before the theft check by {@link
   * Ipv4Syntax#hostAddressProblem} (REST and webhook alike): 0.0.0.0/8 ("this network") and
   * 240.0.0.0/4 (reserved), each at both ends, and the two special addresses among them.
   */
  static Stream<Arguments> reserved() {
    return Stream.of(
        Arguments.of("0.0.0.0 itself", "0.0.0.0", "unspecified address"),
        Arguments.of("the first address of 0.0.0.0/8 after 0.0.0.0", "0.0.0.1", "reserved"),
        Arguments.of("the last address of 0.0.0.0/8", "0.255.255.255", "reserved"),
        Arguments.of("the first address of 240.0.0.0/4", "240.0.0.0", "reserved"),
        Arguments.of("an address inside 240.0.0.0/4", "240.0.0.1", "reserved"),
        Arguments.of(
            "the last address of 240.0.0.0/4 before broadcast", "255.255.255.254", "reserved"),
        Arguments.of("the limited broadcast address", "255.255.255.255", "broadcast address"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("reserved")
  void refusesReservedAddresses(String desc, String ip, String reason) {
    assertThat(Ipv4Syntax.hostAddressProblem(ip)).get().asString().contains(reason);
  }

  @Test
  void theReservedRangesEndWhereTheySay() {
    assertThat(Ipv4Syntax.hostAddressProblem("1.0.0.0")).isEmpty();
    assertThat(Ipv4Syntax.hostAddressProblem("223.255.255.255")).isEmpty();
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("a free host address", "192.168.1.100"),
        Arguments.of(".255 inside a reported /23 is a host", "172.16.2.255"),
        Arguments.of(".0 inside a reported /23 is a host", "172.16.3.0"),
        Arguments.of(".0 of a subnet no node reports", "10.0.0.0"),
        Arguments.of(".255 of a subnet no node reports", "10.0.1.255"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void acceptsOrdinaryHostAddresses(String desc, String ip) {
    assertThat(FloatingIpTheft.problem(ip, NODES)).isEmpty();
  }
}
