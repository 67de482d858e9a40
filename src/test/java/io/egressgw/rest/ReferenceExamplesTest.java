package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.validation.GatewayGroupLookup;
import io.egressgw.validation.ResourceAdmission;
import io.egressgw.validation.Verdict;
import io.egressgw.validation.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every YAML example of the reference parses into the model through the same strict reader as the
 * REST API (unknown fields refused) and passes validation, one row per example. The examples are in
 * src/test/resources/reference (see its README for what was and was not copied).
 *
 * <p>Not literal YAML, and so handled apart: the reference writes {@code ...} for "the rest as
 * above". In gateway1..3 it stands in the status (which clients never write), so the line is
 * removed and the rest must be valid. In egress1..3 it stands for the required spec fields, so
 * those three are not claimed valid: {@link #elidedPoliciesSpellOutAResolvableGatewayRef} checks
 * that the only missing pieces are exactly the elided ones and that their gatewayRef resolves.
 */
class ReferenceExamplesTest {

  record Example(String desc, String file, boolean hadPlaceholder) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Arguments> groups() {
    return Stream.of(
            new Example(
                "NetworkGatewayGroup default (three floating IPs)", "ngg-default.yaml", false),
            new Example(
                "NetworkGatewayGroup default as kubectl shows it, with status",
                "ngg-default-with-status.yaml",
                false),
            new Example(
                "NetworkGatewayGroup default with nodeSelector",
                "ngg-default-node-selector.yaml",
                false),
            new Example(
                "NetworkGatewayGroup gateway1 (status placeholder removed)",
                "ngg-gateway1.yaml",
                true),
            new Example(
                "NetworkGatewayGroup gateway2 (status placeholder removed)",
                "ngg-gateway2.yaml",
                true),
            new Example(
                "NetworkGatewayGroup gateway3 (status placeholder removed)",
                "ngg-gateway3.yaml",
                true))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("groups")
  void gatewayGroupExampleParsesAndIsValid(Example example) throws IOException {
    String yaml = load(example.file());
    assertThat(hasPlaceholder(yaml))
        .as("placeholder line in %s", example.file())
        .isEqualTo(example.hadPlaceholder());

    NetworkGatewayGroup group = parse(withoutPlaceholders(yaml), NetworkGatewayGroup.class);

    // Alone in a cluster: the reference's examples are alternatives and share their addresses.
    Verdict verdict = ResourceAdmission.admit(group, GatewayGroupLookup.of(List.of()));
    assertThat(verdict.violations()).isEmpty();
    assertThat(group.getSpec().getFloatingIPs())
        .isNotEmpty()
        .allMatch(ip -> ip.startsWith("192.168.1."));
  }

  @Test
  void theNodeSelectorExampleKeepsItsLabel() throws IOException {
    NetworkGatewayGroup group =
        parse(load("ngg-default-node-selector.yaml"), NetworkGatewayGroup.class);

    assertThat(group.getSpec().getNodeSelector())
        .containsExactly(java.util.Map.entry("node-type", "egressNat"));
  }

  @Test
  void theStatusExampleReadsAsTheModelsStatus() throws IOException {
    NetworkGatewayGroup group =
        parse(load("ngg-default-with-status.yaml"), NetworkGatewayGroup.class);

    assertThat(group.getStatus().getFloatingIPs()).containsEntry("192.168.1.101", "worker2");
    // "// Or Down" is the reference's aside, not YAML comment syntax: it is read as part of the
    // value.
    // Status is read-only in the API, so the value is never stored from a request.
    assertThat(group.getStatus().getNodes()).containsEntry("worker2", "Up // Or Down");
  }

  @Test
  void thePolicyExampleParsesAndIsValidAgainstTheReferencesGatewayGroup() throws IOException {
    EgressNATPolicy policy = parse(load("enp-egress.yaml"), EgressNATPolicy.class);
    NetworkGatewayGroup kubeSystemDefault =
        parse(load("ngg-default-with-status.yaml"), NetworkGatewayGroup.class);

    Verdict verdict =
        ResourceAdmission.admit(policy, GatewayGroupLookup.of(List.of(kubeSystemDefault)));

    assertThat(verdict.violations()).isEmpty();
    assertThat(policy.getSpec().getSources()).hasSize(2);
    assertThat(policy.getSpec().getDestinations())
        .extracting(d -> d.getCidr())
        .containsExactly("8.8.8.0/24");
  }

  @ParameterizedTest(name = "egress{0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
  void elidedPoliciesSpellOutAResolvableGatewayRef(int i) throws IOException {
    String yaml = load("enp-egress" + i + ".yaml");
    assertThat(hasPlaceholder(yaml)).isTrue();
    assertThatThrownBy(() -> parse(yaml, EgressNATPolicy.class))
        .as("the literal text is not YAML")
        .isInstanceOf(ProblemException.class);

    EgressNATPolicy policy = parse(withoutPlaceholders(yaml), EgressNATPolicy.class);
    NetworkGatewayGroup gateway =
        parse(withoutPlaceholders(load("ngg-gateway" + i + ".yaml")), NetworkGatewayGroup.class);

    assertThat(io.egressgw.validation.EgressNATPolicyValidator.validate(policy))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("spec.sources", "spec.action", "spec.destinations");
    assertThat(ResourceAdmission.gatewayRefMissing(policy, GatewayGroupLookup.of(List.of(gateway))))
        .isEmpty();
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T parse(
      String yaml, Class<T> type) {
    return StrictJson.read(
        yaml.getBytes(StandardCharsets.UTF_8),
        true,
        type,
        NetworkGatewayGroup.API_VERSION,
        type.getSimpleName());
  }

  private static boolean hasPlaceholder(String yaml) {
    return yaml.lines().anyMatch(l -> l.trim().equals("..."));
  }

  private static String withoutPlaceholders(String yaml) {
    return yaml.lines()
        .filter(l -> !l.trim().equals("..."))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  private static String load(String file) throws IOException {
    try (InputStream in = ReferenceExamplesTest.class.getResourceAsStream("/reference/" + file)) {
      assertThat(in).as(file).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
