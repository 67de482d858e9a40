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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schema validation the API server applies without any webhook, read from the committed CRDs:
 * IPv4 and CIDR patterns (exercised here on a table of values), minItems, the SNAT enum, the CEL
 * uniqueness rule; plus the status subresource, the scope and the printer columns; and what {@code
 * kubectl explain} and {@code kubectl get} show: a description on every field, the category,
 * columns that print scalars, and conditions schema'd as metav1.Condition.
 */
class CrdSchemaTest {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  static CustomResourceDefinitionVersion v1(String file) throws IOException {
    CustomResourceDefinition crd =
        YAML.unmarshal(
            Files.readString(Path.of("k8s", "crds", file)), CustomResourceDefinition.class);
    return crd.getSpec().getVersions().get(0);
  }

  static JSONSchemaProps spec(String file) throws IOException {
    return v1(file).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  static final String NGG = "networkgatewaygroups.networking.gke.io-v1.yml";
  static final String ENP = "egressnatpolicies.networking.gke.io-v1.yml";

  @ParameterizedTest(name = "floating IP {0}: {1}")
  @CsvSource({
    "192.168.1.100, true",
    "10.0.0.1, true",
    "255.255.255.254, true",
    "192.168.1, false",
    "192.168.1.256, false",
    "192.168.01.1, false",
    "fe80::1, false",
    "192.168.1.0/24, false",
    "' 192.168.1.1', false",
    "gateway, false"
  })
  void floatingIpPattern(String value, boolean accepted) throws IOException {
    JSONSchemaProps items = spec(NGG).getProperties().get("floatingIPs").getItems().getSchema();

    assertThat(Pattern.compile(items.getPattern()).matcher(value).find()).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "cidr {0}: {1}")
  @CsvSource({
    "8.8.8.0/24, true",
    "0.0.0.0/0, true",
    "203.0.113.7/32, true",
    "8.8.8.0/33, false",
    "8.8.8.0, false",
    "8.8.8.0/, false",
    "2001:db8::/32, false",
    "8.8.8/24, false"
  })
  void cidrPattern(String value, boolean accepted) throws IOException {
    JSONSchemaProps cidr =
        spec(ENP)
            .getProperties()
            .get("destinations")
            .getItems()
            .getSchema()
            .getProperties()
            .get("cidr");

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

    assertThat(spec.getRequired())
        .containsExactlyInAnyOrder("sources", "action", "destinations", "gatewayRef");
    assertThat(spec.getProperties().get("action").getEnum())
        .extracting(n -> n.asText())
        .containsExactly("SNAT");
    assertThat(spec.getProperties().get("sources").getMinItems()).isEqualTo(1L);
    assertThat(spec.getProperties().get("destinations").getMinItems()).isEqualTo(1L);
    assertThat(spec.getProperties().get("gatewayRef").getRequired())
        .containsExactlyInAnyOrder("name", "namespace");
  }

  @Test
  void statusSubresourceAndScope() throws IOException {
    assertThat(v1(NGG).getSubresources().getStatus()).isNotNull();
    assertThat(v1(ENP).getSubresources().getStatus()).isNotNull();
    CustomResourceDefinition ngg =
        YAML.unmarshal(
            Files.readString(Path.of("k8s", "crds", NGG)), CustomResourceDefinition.class);
    CustomResourceDefinition enp =
        YAML.unmarshal(
            Files.readString(Path.of("k8s", "crds", ENP)), CustomResourceDefinition.class);
    assertThat(ngg.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(enp.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(ngg.getSpec().getNames().getShortNames()).containsExactly("ngg");
    assertThat(enp.getSpec().getNames().getShortNames()).containsExactly("enp");
  }

  @Test
  void printerColumnsShowFloatingIpsGatewayAndEgressIp() throws IOException {
    assertThat(v1(NGG).getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .contains(
            org.assertj.core.groups.Tuple.tuple("Floating IPs", ".spec.floatingIPs[*]"),
            org.assertj.core.groups.Tuple.tuple("Age", ".metadata.creationTimestamp"));
    assertThat(v1(ENP).getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .contains(
            org.assertj.core.groups.Tuple.tuple("Gateway", ".spec.gatewayRef.name"),
            org.assertj.core.groups.Tuple.tuple("Egress IP", ".status.egressIP"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {NGG, ENP})
  void everySchemaFieldHasADescriptionForKubectlExplain(String file) throws IOException {
    List<String> undescribed = new ArrayList<>();

    collectUndescribed("", v1(file).getSchema().getOpenAPIV3Schema(), undescribed);

    assertThat(undescribed).as("fields without description in %s", file).isEmpty();
  }

  /** Walks properties, array items and map values; the root counts as the path "". */
  static void collectUndescribed(String path, JSONSchemaProps schema, List<String> undescribed) {
    if (schema.getDescription() == null || schema.getDescription().isBlank()) {
      undescribed.add(path.isEmpty() ? "<root>" : path);
    }
    if (schema.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> p : schema.getProperties().entrySet()) {
        collectUndescribed(path + "." + p.getKey(), p.getValue(), undescribed);
      }
    }
    for (JSONSchemaProps nested : nestedObjects(schema)) {
      if (nested.getProperties() != null) {
        for (Map.Entry<String, JSONSchemaProps> p : nested.getProperties().entrySet()) {
          collectUndescribed(path + "[]." + p.getKey(), p.getValue(), undescribed);
        }
      }
    }
  }

  /** The object schemas of an array's items and a map's values, whose fields explain shows too. */
  static List<JSONSchemaProps> nestedObjects(JSONSchemaProps schema) {
    List<JSONSchemaProps> nested = new ArrayList<>();
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      nested.add(schema.getItems().getSchema());
    }
    if (schema.getAdditionalProperties() != null
        && schema.getAdditionalProperties().getSchema() != null) {
      nested.add(schema.getAdditionalProperties().getSchema());
    }
    return nested;
  }

  @Test
  void bothKindsAreInTheEgressgwCategorySoKubectlGetEgressgwListsThem() throws IOException {
    for (String file : List.of(NGG, ENP)) {
      String yaml = Files.readString(Path.of("k8s", "crds", file));
      CustomResourceDefinition crd = YAML.unmarshal(yaml, CustomResourceDefinition.class);

      assertThat(crd.getSpec().getNames().getCategories()).as(file).containsExactly("egressgw");
    }
  }

  @Test
  void policyColumnsShowAcceptedAndProgrammedFromTheConditions() throws IOException {
    assertThat(v1(ENP).getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == null || c.getPriority() == 0)
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "Accepted", ".status.conditions[?(@.type==\"Accepted\")].status"),
            org.assertj.core.groups.Tuple.tuple(
                "Programmed", ".status.conditions[?(@.type==\"Programmed\")].status"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {NGG, ENP})
  void everyColumnPrintsScalarsNotJson(String file) throws IOException {
    JSONSchemaProps root = v1(file).getSchema().getOpenAPIV3Schema();

    for (CustomResourceColumnDefinition column : v1(file).getAdditionalPrinterColumns()) {
      if (column.getJsonPath().startsWith(".metadata.")) {
        continue;
      }
      JSONSchemaProps target = resolve(root, column.getJsonPath());
      assertThat(target.getType())
          .as("column %s (%s) of %s", column.getName(), column.getJsonPath(), file)
          .isIn("string", "integer", "number", "boolean");
    }
  }

  /**
   * The schema a printer column's JSONPath ends at: {@code [*]} and {@code [?(...)]} step into an
   * array's items (and print each item), a name steps into a property.
   */
  static JSONSchemaProps resolve(JSONSchemaProps root, String jsonPath) {
    JSONSchemaProps at = root;
    String rest = jsonPath.replaceAll("\\[\\?\\(.*?\\)\\]|\\[\\*\\]", ".[]");
    for (String step : rest.split("\\.")) {
      if (step.isEmpty()) {
        continue;
      }
      if (step.equals("[]")) {
        assertThat(at.getType()).as("%s steps into an array", jsonPath).isEqualTo("array");
        at = at.getItems().getSchema();
      } else {
        assertThat(at.getProperties()).as("%s: property %s", jsonPath, step).containsKey(step);
        at = at.getProperties().get(step);
      }
    }
    return at;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {NGG, ENP})
  void conditionsAreSchemadLikeMetav1Condition(String file) throws IOException {
    JSONSchemaProps root = v1(file).getSchema().getOpenAPIV3Schema();
    JSONSchemaProps status = root.getProperties().get("status");
    JSONSchemaProps conditions = status.getProperties().get("conditions");
    JSONSchemaProps condition = conditions.getItems().getSchema();

    assertThat(conditions.getXKubernetesListType()).isEqualTo("map");
    assertThat(conditions.getXKubernetesListMapKeys()).containsExactly("type");
    assertThat(condition.getRequired())
        .containsExactlyInAnyOrder("type", "status", "lastTransitionTime", "reason", "message");
    assertThat(condition.getProperties().get("status").getEnum())
        .extracting(n -> n.asText())
        .containsExactly("True", "False", "Unknown");
    assertThat(condition.getProperties().get("lastTransitionTime").getFormat())
        .isEqualTo("date-time");
    assertThat(condition.getProperties().get("observedGeneration").getType()).isEqualTo("integer");
    Pattern reason = Pattern.compile(condition.getProperties().get("reason").getPattern());
    Pattern type = Pattern.compile(condition.getProperties().get("type").getPattern());
    // The reasons and types the controller writes (controller.GroupStatuses, ProgramStage).
    for (String r :
        List.of(
            "AllFloatingIPsAssigned",
            "NodeDown",
            "FailoverFrozen",
            "GatewayUnavailable",
            "Pending")) {
      assertThat(reason.matcher(r).matches()).as("reason %s", r).isTrue();
    }
    for (String t : List.of("Ready", "Degraded", "Accepted", "Programmed")) {
      assertThat(type.matcher(t).matches()).as("type %s", t).isTrue();
    }
    assertThat(reason.matcher("not a reason").matches()).isFalse();
  }
}
