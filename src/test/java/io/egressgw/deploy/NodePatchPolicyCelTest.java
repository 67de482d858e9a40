package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ValidatingAdmissionPolicy that narrows the controller's {@code patch} on nodes to removing
 * the start-up taint (k8s/node-patch-policy.yaml), evaluated here with CEL-Java (dev.cel) as the
 * API server would: its match condition, then its variables, then every validation, on an old and a
 * new Node. No API server runs in the tests, so this stands in for one; CEL-Java evaluates the same
 * language (standard macros), with the objects as untyped maps rather than typed by schema.
 */
class NodePatchPolicyCelTest {
  static final String CONTROLLER = "system:serviceaccount:egressgw-system:egressgw-controller";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("object", SimpleType.DYN)
          .addVar("oldObject", SimpleType.DYN)
          .addVar("request", SimpleType.DYN)
          .addVar("variables", SimpleType.DYN)
          .build();

  /** A Node as the controller sees it before its patch. */
  static Map<String, Object> node() throws Exception {
    return YAML.readValue(
        """
        apiVersion: v1
        kind: Node
        metadata:
          name: worker1
          labels: {kubernetes.io/hostname: worker1, node-role.kubernetes.io/worker: ""}
          annotations: {node.alpha.kubernetes.io/ttl: "0"}
        spec:
          podCIDR: 10.10.1.0/24
          podCIDRs: [10.10.1.0/24]
          providerID: kind://worker1
          taints:
            - {key: egressgw.io/agent-not-ready, effect: NoSchedule}
            - {key: dedicated, value: gateways, effect: NoExecute}
        """,
        Map.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
  }

  @SuppressWarnings("unchecked")
  static List<Object> taints(Map<String, Object> node) {
    return (List<Object>) at(node, "spec").get("taints");
  }

  static Arguments change(String what, Consumer<Map<String, Object>> edit, boolean allowed) {
    return Arguments.of(what, edit, allowed);
  }

  static Stream<Arguments> changes() {
    return Stream.of(
        change("nothing (an empty patch)", n -> {}, true),
        change("remove the start-up taint", n -> taints(n).remove(0), true),
        change(
            "add a taint", n -> taints(n).add(Map.of("key", "x", "effect", "NoSchedule")), false),
        change(
            "change another taint's value",
            n -> taints(n).set(1, Map.of("key", "dedicated", "value", "x", "effect", "NoExecute")),
            false),
        change("remove another taint", n -> taints(n).remove(1), false),
        change("relabel", n -> at(at(n, "metadata"), "labels").put("egressgw.io/drain", ""), false),
        change("drop every label", n -> at(n, "metadata").remove("labels"), false),
        change("annotate", n -> at(at(n, "metadata"), "annotations").put("a", "b"), false),
        change(
            "add an owner reference (garbage collection would delete the Node)",
            n ->
                at(n, "metadata")
                    .put(
                        "ownerReferences",
                        List.of(
                            Map.of("apiVersion", "v1", "kind", "Pod", "name", "x", "uid", "u"))),
            false),
        change(
            "add a finalizer (the Node could never be deleted)",
            n -> at(n, "metadata").put("finalizers", List.of("egressgw.io/keep")),
            false),
        change("cordon", n -> at(n, "spec").put("unschedulable", true), false),
        change("change podCIDR", n -> at(n, "spec").put("podCIDR", "10.99.0.0/24"), false),
        change(
            "change podCIDRs", n -> at(n, "spec").put("podCIDRs", List.of("10.99.0.0/24")), false),
        change("change providerID", n -> at(n, "spec").put("providerID", "aws:///x"), false),
        change(
            "set a configSource",
            n -> at(n, "spec").put("configSource", Map.of("configMap", Map.of("name", "x"))),
            false),
        change("set an externalID", n -> at(n, "spec").put("externalID", "x"), false));
  }

  @ParameterizedTest(name = "controller: {0} -> allowed {2}")
  @MethodSource("changes")
  void theControllerMayOnlyRemoveTheStartUpTaint(
      String what, Consumer<Map<String, Object>> edit, boolean allowed) throws Exception {
    Map<String, Object> old = node();
    Map<String, Object> changed = node();
    edit.accept(changed);

    List<String> denials = evaluate(policy(), CONTROLLER, old, changed);

    if (allowed) {
      assertThat(denials).as(what).isEmpty();
    } else {
      assertThat(denials).as(what).isNotEmpty();
    }
  }

  @ParameterizedTest(name = "another user: {0} -> not matched")
  @MethodSource("changes")
  void otherUsersAreNotMatched(String what, Consumer<Map<String, Object>> edit, boolean allowed)
      throws Exception {
    Map<String, Object> changed = node();
    edit.accept(changed);

    assertThat(evaluate(policy(), "system:node:worker1", node(), changed)).as(what).isEmpty();
  }

  static JsonNode policy() throws Exception {
    return YAML.readTree(Files.readString(Path.of("k8s/node-patch-policy.yaml")).split("\n---")[0]);
  }

  /**
   * The messages of the validations that fail, as the API server would deny them; empty when the
   * match condition does not match or every validation holds.
   */
  static List<String> evaluate(
      JsonNode policy, String user, Map<String, Object> old, Map<String, Object> changed)
      throws Exception {
    JsonNode spec = policy.path("spec");
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("object", changed);
    vars.put("oldObject", old);
    vars.put("request", Map.of("userInfo", Map.of("username", user)));
    vars.put("variables", Map.of());
    for (JsonNode c : spec.path("matchConditions")) {
      if (!Boolean.TRUE.equals(eval(c.path("expression").asText(), vars))) {
        return List.of();
      }
    }
    Map<String, Object> variables = new LinkedHashMap<>();
    for (JsonNode v : spec.path("variables")) {
      variables.put(v.path("name").asText(), eval(v.path("expression").asText(), vars));
      vars.put("variables", Map.copyOf(variables));
    }
    List<String> denials = new ArrayList<>();
    for (JsonNode v : spec.path("validations")) {
      if (!Boolean.TRUE.equals(eval(v.path("expression").asText(), vars))) {
        denials.add(v.path("message").asText());
      }
    }
    assertThat(spec.path("validations").size()).isGreaterThan(0);
    return denials;
  }

  static Object eval(String expression, Map<String, Object> vars) throws Exception {
    return CEL.createProgram(CEL.compile(expression).getAst()).eval(vars);
  }
}
