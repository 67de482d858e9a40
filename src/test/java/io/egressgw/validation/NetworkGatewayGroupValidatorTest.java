package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.NetworkGatewayGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NetworkGatewayGroupValidatorTest {

  record Row(String desc, Consumer<NetworkGatewayGroup> change, Map<String, String> expected) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            new Row("the reference's default group is valid", g -> {}, Map.of()),
            new Row(
                "a node selector with valid labels is valid",
                g -> g.getSpec().setNodeSelector(Map.of("node-type", "egressNat")),
                Map.of()),
            new Row(
                "empty floatingIPs",
                g -> g.getSpec().setFloatingIPs(new ArrayList<>()),
                Map.of("spec.floatingIPs", "at least one")),
            new Row(
                "missing floatingIPs",
                g -> g.getSpec().setFloatingIPs(null),
                Map.of("spec.floatingIPs", "at least one")),
            new Row("missing spec", g -> g.setSpec(null), Map.of("spec", "is required")),
            new Row(
                "malformed address",
                g -> g.getSpec().getFloatingIPs().set(1, "192.168.1"),
                Map.of("spec.floatingIPs[1]", "not an IPv4 address")),
            new Row(
                "octet over 255",
                g -> g.getSpec().getFloatingIPs().set(1, "192.168.1.256"),
                Map.of("spec.floatingIPs[1]", "not an IPv4 address")),
            new Row(
                "leading zero is ambiguous",
                g -> g.getSpec().getFloatingIPs().set(0, "192.168.1.010"),
                Map.of("spec.floatingIPs[0]", "without leading zeros")),
            new Row(
                "a host name is not an address",
                g -> g.getSpec().getFloatingIPs().set(2, "gateway.example"),
                Map.of("spec.floatingIPs[2]", "not an IPv4 address")),
            new Row(
                "IPv6 says IPv4-only",
                g -> g.getSpec().getFloatingIPs().set(1, "2001:db8::1"),
                Map.of("spec.floatingIPs[1]", "IPv4-only")),
            new Row(
                "a CIDR is not an address",
                g -> g.getSpec().getFloatingIPs().set(0, "192.168.1.0/24"),
                Map.of("spec.floatingIPs[0]", "not an IPv4 address")),
            new Row(
                "loopback cannot float",
                g -> g.getSpec().getFloatingIPs().set(0, "127.0.0.1"),
                Map.of("spec.floatingIPs[0]", "loopback")),
            new Row(
                "multicast cannot float",
                g -> g.getSpec().getFloatingIPs().set(0, "224.0.0.5"),
                Map.of("spec.floatingIPs[0]", "multicast")),
            new Row(
                "unspecified cannot float",
                g -> g.getSpec().getFloatingIPs().set(0, "0.0.0.0"),
                Map.of("spec.floatingIPs[0]", "unspecified")),
            new Row(
                "duplicate names the first occurrence",
                g -> g.getSpec().getFloatingIPs().set(2, "192.168.1.100"),
                Map.of("spec.floatingIPs[2]", "duplicate of spec.floatingIPs[0]")),
            new Row(
                "empty string",
                g -> g.getSpec().getFloatingIPs().set(0, ""),
                Map.of("spec.floatingIPs[0]", "empty")),
            new Row(
                "invalid name",
                g -> g.getMetadata().setName("Default_GW"),
                Map.of("metadata.name", "not a valid Kubernetes name")),
            new Row(
                "missing name",
                g -> g.getMetadata().setName(null),
                Map.of("metadata.name", "is required")),
            new Row(
                "invalid namespace",
                g -> g.getMetadata().setNamespace("kube.system"),
                Map.of("metadata.namespace", "namespace name")),
            new Row(
                "invalid node selector key",
                g -> g.getSpec().setNodeSelector(Map.of("-bad", "x")),
                Map.of("spec.nodeSelector[-bad]", "label key")),
            new Row(
                "invalid node selector value",
                g -> g.getSpec().setNodeSelector(Map.of("node-type", "egress nat")),
                Map.of("spec.nodeSelector[node-type]", "label value")),
            new Row(
                "over 64 floating IPs",
                g ->
                    g.getSpec()
                        .setFloatingIPs(
                            new ArrayList<>(
                                java.util.stream.IntStream.range(0, 65)
                                    .mapToObj(i -> "10.0.1." + (i + 1))
                                    .toList())),
                Map.of("spec.floatingIPs", "at most 64")),
            new Row(
                "several problems are all reported",
                g -> {
                  g.getSpec().setFloatingIPs(new ArrayList<>(List.of("::1", "1.2.3.4", "1.2.3.4")));
                  g.getMetadata().setName("UPPER");
                },
                Map.of(
                    "spec.floatingIPs[0]",
                    "IPv4-only",
                    "spec.floatingIPs[2]",
                    "duplicate",
                    "metadata.name",
                    "valid")))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void validates(Row row) {
    NetworkGatewayGroup group =
        Fixtures.group("kube-system", "default", "192.168.1.100", "192.168.1.101", "192.168.1.102");
    row.change().accept(group);

    List<Violation> violations = NetworkGatewayGroupValidator.validate(group);

    assertThat(violations)
        .extracting(Violation::field)
        .containsExactlyInAnyOrderElementsOf(row.expected().keySet());
    row.expected()
        .forEach(
            (field, text) ->
                assertThat(violations)
                    .filteredOn(v -> v.field().equals(field))
                    .first()
                    .extracting(Violation::message)
                    .asString()
                    .contains(text));
  }
}
