package io.egressgw.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The schema validation the API server applies without any webhook, read from the committed CRDs:
 * IPv4 and CIDR patterns (exercised here on a table of values), minItems, the SNAT enum, the CEL
 * uniqueness rule; plus the status subresource, the scope and the printer columns.
 */
class CrdSchemaTest {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  static CustomResourceDefinitionVersion v1(String file) throws IOException {
    CustomResourceDefinition crd =
        YAML.unmarshal(Files.readString(Path.of("k8s", "crds", file)), CustomResourceDefinition.class);
    return crd.getSpec().getVersions().get(0);
  }

  static JSONSchemaProps spec(String file) throws IOException {
    return v1(file).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  static final String NGG = "networkgatewaygroups.networking.gke.io-v1.yml";
  static final String ENP = "egressnatpolicies.networking.gke.io-v1.yml";

  @ParameterizedTest(name = "floating IP {0}: {1}")
  @CsvSource({
    "192.168.1.100, true", "10.0.0.1, true", "255.255.255.254, true",
    "192.168.1, false", "192.168.1.256, false", "192.168.01.1, false", "fe80::1, false",
    "192.168.1.0/24, false", "' 192.168.1.1', false", "gateway, false"
  })
  void floatingIpPattern(String value, boolean accepted) throws IOException {
    JSONSchemaProps items = spec(NGG).getProperties().get("floatingIPs").getItems().getSchema();

    assertThat(Pattern.compile(items.getPattern()).matcher(value).find()).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "cidr {0}: {1}")
  @CsvSource({
    "8.8.8.0/24, true", "0.0.0.0/0, true", "203.0.113.7/32, true",
    "8.8.8.0/33, false", "8.8.8.0, false", "8.8.8.0/, false", "2001:db8::/32, false", "8.8.8/24, false"
  })
  void cidrPattern(String value, boolean accepted) throws IOException {
    JSONSchemaProps cidr = spec(ENP).getProperties().get("destinations").getItems().getSchema().getProperties().get("cidr");

    assertThat(Pattern.compile(cidr.getPattern()).matcher(value).find()).isEqualTo(accepted);
  }

  @Test
  void gatewayGroupSchema() throws IOException {
    JSONSchemaProps floatingIPs = spec(NGG).getProperties().get("floatingIPs");

    assertThat(spec(NGG).getRequired()).containsExactly("floatingIPs");
    assertThat(floatingIPs.getMinItems()).isEqualTo(1L);
    assertThat(floatingIPs.getMaxItems()).isEqualTo((long) SchemaPatterns.MAX_FLOATING_IPS);
    assertThat(floatingIPs.getXKubernetesValidations())
        .singleElement()
        .satisfies(rule -> assertThat(rule.getRule()).contains("exists_one"));
  }

  @Test
  void policySchema() throws IOException {
    JSONSchemaProps spec = spec(ENP);

    assertThat(spec.getRequired()).containsExactlyInAnyOrder("sources", "action", "destinations", "gatewayRef");
    assertThat(spec.getProperties().get("action").getEnum()).extracting(n -> n.asText()).containsExactly("SNAT");
    assertThat(spec.getProperties().get("sources").getMinItems()).isEqualTo(1L);
    assertThat(spec.getProperties().get("destinations").getMinItems()).isEqualTo(1L);
    assertThat(spec.getProperties().get("gatewayRef").getRequired()).containsExactlyInAnyOrder("name", "namespace");
  }

  @Test
  void statusSubresourceAndScope() throws IOException {
    assertThat(v1(NGG).getSubresources().getStatus()).isNotNull();
    assertThat(v1(ENP).getSubresources().getStatus()).isNotNull();
    CustomResourceDefinition ngg = YAML.unmarshal(Files.readString(Path.of("k8s", "crds", NGG)), CustomResourceDefinition.class);
    CustomResourceDefinition enp = YAML.unmarshal(Files.readString(Path.of("k8s", "crds", ENP)), CustomResourceDefinition.class);
    assertThat(ngg.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(enp.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(ngg.getSpec().getNames().getShortNames()).containsExactly("ngg");
    assertThat(enp.getSpec().getNames().getShortNames()).containsExactly("enp");
  }

  @Test
  void printerColumnsShowFloatingIpsGatewayAndEgressIp() throws IOException {
    assertThat(v1(NGG).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .contains(
            org.assertj.core.groups.Tuple.tuple("Floating IPs", ".spec.floatingIPs"),
            org.assertj.core.groups.Tuple.tuple("Age", ".metadata.creationTimestamp"));
    assertThat(v1(ENP).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .contains(
            org.assertj.core.groups.Tuple.tuple("Gateway", ".spec.gatewayRef.name"),
            org.assertj.core.groups.Tuple.tuple("Egress IP", ".status.egressIP"));
  }
}
