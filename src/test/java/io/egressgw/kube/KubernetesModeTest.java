package io.egressgw.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KubernetesModeTest {
  private static final String TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  record Row(
      String desc,
      KubernetesMode configured,
      Map<String, String> env,
      Map<String, String> props,
      boolean apiServerUrl,
      Set<String> files,
      KubernetesMode expected) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Arguments> rows() {
    Map<String, String> home = Map.of("user.home", "/home/dev");
    return Stream.of(
            new Row(
                "nothing configured: embedded",
                KubernetesMode.AUTO,
                Map.of(),
                home,
                false,
                Set.of(),
                KubernetesMode.EMBEDDED),
            new Row(
                "~/.kube/config: cluster",
                KubernetesMode.AUTO,
                Map.of(),
                home,
                false,
                Set.of("/home/dev/.kube/config"),
                KubernetesMode.CLUSTER),
            new Row(
                "KUBECONFIG naming an existing file: cluster",
                KubernetesMode.AUTO,
                Map.of("KUBECONFIG", "/tmp/missing:/tmp/kc"),
                home,
                false,
                Set.of("/tmp/kc"),
                KubernetesMode.CLUSTER),
            new Row(
                "KUBECONFIG naming no existing file: embedded (~/.kube/config not consulted)",
                KubernetesMode.AUTO,
                Map.of("KUBECONFIG", "/tmp/missing"),
                home,
                false,
                Set.of("/home/dev/.kube/config"),
                KubernetesMode.EMBEDDED),
            new Row(
                "in-cluster service account: cluster",
                KubernetesMode.AUTO,
                Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                home,
                false,
                Set.of(TOKEN),
                KubernetesMode.CLUSTER),
            new Row(
                "service host without a token: embedded",
                KubernetesMode.AUTO,
                Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                home,
                false,
                Set.of(),
                KubernetesMode.EMBEDDED),
            new Row(
                "quarkus.kubernetes-client.api-server-url: cluster",
                KubernetesMode.AUTO,
                Map.of(),
                home,
                true,
                Set.of(),
                KubernetesMode.CLUSTER),
            new Row(
                "kubernetes.master system property (test server): cluster",
                KubernetesMode.AUTO,
                Map.of(),
                Map.of("kubernetes.master", "https://localhost:1234"),
                false,
                Set.of(),
                KubernetesMode.CLUSTER),
            new Row(
                "explicit embedded wins over a kubeconfig",
                KubernetesMode.EMBEDDED,
                Map.of(),
                home,
                true,
                Set.of("/home/dev/.kube/config"),
                KubernetesMode.EMBEDDED),
            new Row(
                "explicit cluster stays cluster without any config",
                KubernetesMode.CLUSTER,
                Map.of(),
                home,
                false,
                Set.of(),
                KubernetesMode.CLUSTER))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void resolves(Row row) {
    KubernetesMode resolved =
        row.configured()
            .resolve(
                row.env(),
                row.props(),
                row.apiServerUrl(),
                p -> row.files().contains(p.toString()));

    assertThat(resolved).isEqualTo(row.expected());
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource({
    "auto, AUTO",
    "Embedded, EMBEDDED",
    " cluster , CLUSTER"
  })
  void parsesConfiguredValues(String text, KubernetesMode expected) {
    assertThat(KubernetesMode.parse(text)).isEqualTo(expected);
  }
}
