package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.LabelSelector;
import io.egressgw.api.v1.SourceRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EgressNATPolicyValidatorTest {

  record Row(String desc, Consumer<EgressNATPolicy> change, Map<String, String> expected) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            new Row("the reference's policy is valid", p -> {}, Map.of()),
            new Row(
                "/0 is a network",
                p -> p.getSpec().getDestinations().set(0, new Destination("0.0.0.0/0")),
                Map.of()),
            new Row(
                "/32 is a network",
                p -> p.getSpec().getDestinations().set(0, new Destination("203.0.113.7/32")),
                Map.of()),
            new Row(
                "a rule with only a pod selector is valid",
                p ->
                    p.getSpec()
                        .getSources()
                        .set(
                            0, new SourceRule(null, new LabelSelector(Map.of("role", "frontend")))),
                Map.of()),
            new Row(
                "empty sources",
                p -> p.getSpec().setSources(new ArrayList<>()),
                Map.of("spec.sources", "at least one")),
            new Row(
                "missing sources",
                p -> p.getSpec().setSources(null),
                Map.of("spec.sources", "at least one")),
            new Row(
                "null source rule",
                p -> p.getSpec().getSources().set(0, null),
                Map.of("spec.sources[0]", "null")),
            new Row(
                "bad pod label value",
                p ->
                    p.getSpec()
                        .getSources()
                        .set(
                            0,
                            new SourceRule(null, new LabelSelector(Map.of("role", "front end")))),
                Map.of("spec.sources[0].podSelector.matchLabels[role]", "label value")),
            new Row(
                "bad namespace label key",
                p ->
                    p.getSpec()
                        .getSources()
                        .set(0, new SourceRule(new LabelSelector(Map.of("a/b/c", "x")), null)),
                Map.of("spec.sources[0].namespaceSelector.matchLabels[a/b/c]", "label key")),
            new Row(
                "unknown action",
                p -> p.getSpec().setAction("MASQUERADE"),
                Map.of("spec.action", "unknown action 'MASQUERADE'")),
            new Row(
                "lower-case snat is unknown",
                p -> p.getSpec().setAction("snat"),
                Map.of("spec.action", "only action is SNAT")),
            new Row(
                "missing action",
                p -> p.getSpec().setAction(null),
                Map.of("spec.action", "is required")),
            new Row(
                "empty destinations",
                p -> p.getSpec().setDestinations(new ArrayList<>()),
                Map.of("spec.destinations", "at least one")),
            new Row(
                "host bits set",
                p -> p.getSpec().getDestinations().set(0, new Destination("8.8.8.8/24")),
                Map.of(
                    "spec.destinations[0].cidr",
                    "host bits set: the network address is 8.8.8.0/24")),
            new Row(
                "prefix over 32",
                p -> p.getSpec().getDestinations().set(0, new Destination("8.8.8.0/33")),
                Map.of("spec.destinations[0].cidr", "over 32")),
            new Row(
                "no prefix",
                p -> p.getSpec().getDestinations().set(0, new Destination("8.8.8.0")),
                Map.of("spec.destinations[0].cidr", "CIDR notation")),
            new Row(
                "non-numeric prefix",
                p -> p.getSpec().getDestinations().set(0, new Destination("8.8.8.0/x")),
                Map.of("spec.destinations[0].cidr", "prefix length")),
            new Row(
                "malformed address in CIDR",
                p -> p.getSpec().getDestinations().set(0, new Destination("8.8.300.0/24")),
                Map.of("spec.destinations[0].cidr", "IPv4 address")),
            new Row(
                "IPv6 destination says IPv4-only",
                p -> p.getSpec().getDestinations().set(0, new Destination("2001:db8::/32")),
                Map.of("spec.destinations[0].cidr", "IPv4-only")),
            new Row(
                "missing cidr",
                p -> p.getSpec().getDestinations().set(0, new Destination(null)),
                Map.of("spec.destinations[0].cidr", "is required")),
            new Row(
                "second destination is reported with its index",
                p ->
                    p.getSpec()
                        .setDestinations(
                            new ArrayList<>(
                                List.of(
                                    new Destination("8.8.8.0/24"), new Destination("1.1.1.1/8")))),
                Map.of("spec.destinations[1].cidr", "host bits")),
            new Row(
                "missing gatewayRef",
                p -> p.getSpec().setGatewayRef(null),
                Map.of("spec.gatewayRef", "is required")),
            new Row(
                "gatewayRef without name",
                p -> p.getSpec().setGatewayRef(new GatewayRef(null, "kube-system")),
                Map.of("spec.gatewayRef.name", "is required")),
            new Row(
                "gatewayRef without namespace",
                p -> p.getSpec().setGatewayRef(new GatewayRef("default", null)),
                Map.of("spec.gatewayRef.namespace", "is required")),
            new Row(
                "invalid policy name",
                p -> p.getMetadata().setName("egress!"),
                Map.of("metadata.name", "not a valid Kubernetes name")),
            new Row(
                "a name over 253 characters",
                p -> p.getMetadata().setName("a".repeat(254)),
                Map.of("metadata.name", "longer than 253")),
            new Row(
                "policies are cluster-scoped",
                p -> p.getMetadata().setNamespace("default"),
                Map.of("metadata.namespace", "cluster-scoped")),
            new Row("missing spec", p -> p.setSpec(null), Map.of("spec", "is required")))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void validates(Row row) {
    EgressNATPolicy policy = Fixtures.policy("egress");
    row.change().accept(policy);

    List<Violation> violations = EgressNATPolicyValidator.validate(policy);

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
