package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart with default values installs what `kubectl apply -k k8s/` installs: the same
 * objects (kind, namespace, name) with the same content (pod specs, RBAC rules, Service, webhook,
 * NetworkPolicy, the agent's settings), so the two install paths cannot drift apart. Only metadata
 * the tools add themselves (labels, the agent-settings checksum annotation) is left out, and the
 * controller's Namespace, which `helm install --create-namespace` creates (namespace.create=true
 * renders it); the agents' Namespace the chart renders by default, as the base does.
 */
class HelmKustomizeDriftTest {
  static List<HasMetadata> kustomize;
  static List<HasMetadata> helm;

  @BeforeAll
  static void render() throws IOException {
    kustomize = KustomizeBase.render();
    helm = new ArrayList<>(HelmChart.render(Map.of()));
    // Helm installs crds/ before the templates (`helm template` leaves them out).
    try (Stream<Path> crds = Files.list(HelmChart.CHART.resolve("crds"))) {
      for (Path crd : crds.sorted().toList()) {
        helm.addAll(KustomizeBase.parse(Files.readString(crd)));
      }
    }
  }

  static String key(HasMetadata o) {
    return o.getKind()
        + " "
        + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
        + o.getMetadata().getName();
  }

  static Set<String> keys(List<HasMetadata> objects) {
    return objects.stream()
        .map(HelmKustomizeDriftTest::key)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static Stream<Arguments> kustomizeObjects() throws IOException {
    return KustomizeBase.render().stream().map(o -> Arguments.of(key(o), o));
  }

  @Test
  void theDefaultRenderHasTheKustomizeBasesObjectsButTheControllersNamespace() {
    Set<String> expected = keys(kustomize);
    expected.remove("Namespace egressgw-system");

    assertThat(keys(helm)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"egressgw-system", "egressgw-agent"})
  void namespaceCreateRendersBothNamespacesWithTheBasesPodSecurityLabels(String name) {
    List<HasMetadata> rendered = HelmChart.render(Map.of("namespace", Map.of("create", true)));

    Namespace namespace = namespace(rendered, name);
    Namespace expected = namespace(kustomize, name);
    assertThat(namespace.getMetadata().getLabels())
        .containsAllEntriesOf(expected.getMetadata().getLabels());
  }

  static Namespace namespace(List<HasMetadata> objects, String name) {
    return objects.stream()
        .filter(Namespace.class::isInstance)
        .map(Namespace.class::cast)
        .filter(n -> n.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Namespace " + name));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizeObjects")
  void eachObjectHasTheSameContentInBoth(String key, HasMetadata fromKustomize) {
    if (fromKustomize instanceof Namespace) {
      return; // labels only, compared above
    }
    HasMetadata fromHelm =
        helm.stream()
            .filter(o -> key(o).equals(key(fromKustomize)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the chart renders no " + fromKustomize));

    assertThat(comparable(fromHelm)).isEqualTo(comparable(fromKustomize));
  }

  @Test
  void workloadsAgreeOnImagesEnvPortsServiceAccountAndSecurityContext() {
    for (String kindAndName :
        List.of("Deployment egressgw-controller", "DaemonSet egressgw-agent")) {
      PodSpec fromHelm = podSpec(helm, kindAndName);
      PodSpec fromKustomize = podSpec(kustomize, kindAndName);

      assertThat(fromHelm.getServiceAccountName()).isEqualTo(fromKustomize.getServiceAccountName());
      assertThat(fromHelm.getSecurityContext()).isEqualTo(fromKustomize.getSecurityContext());
      List<Container> helmContainers = containers(fromHelm);
      List<Container> kustomizeContainers = containers(fromKustomize);
      assertThat(helmContainers).hasSameSizeAs(kustomizeContainers);
      for (int i = 0; i < helmContainers.size(); i++) {
        Container h = helmContainers.get(i);
        Container k = kustomizeContainers.get(i);
        String what = kindAndName + " container " + k.getName();
        assertThat(h.getImage()).as(what).isEqualTo(k.getImage());
        assertThat(h.getCommand()).as(what).isEqualTo(k.getCommand());
        assertThat(h.getArgs()).as(what).isEqualTo(k.getArgs());
        assertThat(h.getEnv()).as(what).isEqualTo(k.getEnv());
        assertThat(h.getEnvFrom()).as(what).isEqualTo(k.getEnvFrom());
        assertThat(h.getPorts()).as(what).isEqualTo(k.getPorts());
        assertThat(h.getSecurityContext()).as(what).isEqualTo(k.getSecurityContext());
      }
    }
  }

  static PodSpec podSpec(List<HasMetadata> objects, String kindAndName) {
    return objects.stream()
        .filter(o -> (o.getKind() + " " + o.getMetadata().getName()).equals(kindAndName))
        .findFirst()
        .flatMap(KustomizeBase::podSpec)
        .orElseThrow(() -> new AssertionError("no " + kindAndName));
  }

  static List<Container> containers(PodSpec spec) {
    List<Container> all = new ArrayList<>(spec.getInitContainers());
    all.addAll(spec.getContainers());
    return all;
  }

  /**
   * The object as YAML without what only one of the tools adds: labels and annotations on the
   * object's metadata, the pod template's annotations, and imagePullPolicy when it is the
   * Kubernetes default for a tagged image (IfNotPresent).
   */
  static String comparable(HasMetadata original) {
    HasMetadata o = Serialization.clone(original);
    ObjectMeta meta = o.getMetadata();
    meta.setLabels(null);
    meta.setAnnotations(null);
    if (o instanceof Deployment d) {
      d.getSpec().getTemplate().getMetadata().setAnnotations(null);
    }
    if (o instanceof DaemonSet d) {
      d.getSpec().getTemplate().getMetadata().setAnnotations(null);
    }
    KustomizeBase.podSpec(o)
        .ifPresent(
            spec ->
                containers(spec).stream()
                    .filter(c -> "IfNotPresent".equals(c.getImagePullPolicy()))
                    .filter(c -> !c.getImage().endsWith(":latest"))
                    .forEach(c -> c.setImagePullPolicy(null)));
    return Serialization.asYaml(o);
  }
}
