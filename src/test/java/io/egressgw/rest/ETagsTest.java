package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The edit tag: what changes it, what does not, and how If-None-Match compares. */
class ETagsTest {

  static Stream<Arguments> changes() {
    return Stream.of(
        Arguments.of(
            "the controller writes a status", false, (Consumer<NetworkGatewayGroup>) ETagsTest::up),
        Arguments.of(
            "the resourceVersion moves (any write)",
            false,
            (Consumer<NetworkGatewayGroup>) g -> g.getMetadata().setResourceVersion("99")),
        Arguments.of(
            "labels come back in another order",
            false,
            (Consumer<NetworkGatewayGroup>)
                g -> {
                  Map<String, String> reversed = new LinkedHashMap<>();
                  reversed.put("tier", "prod");
                  reversed.put("team", "a");
                  g.getMetadata().setLabels(reversed);
                }),
        Arguments.of(
            "the spec changes",
            true,
            (Consumer<NetworkGatewayGroup>)
                g -> g.getSpec().setFloatingIPs(new ArrayList<>(List.of("192.168.1.101")))),
        Arguments.of(
            "the generation moves (a spec change and back)",
            true,
            (Consumer<NetworkGatewayGroup>) g -> g.getMetadata().setGeneration(3L)),
        Arguments.of(
            "a label changes",
            true,
            (Consumer<NetworkGatewayGroup>)
                g -> g.getMetadata().setLabels(Map.of("team", "b", "tier", "prod"))),
        Arguments.of(
            "an annotation is added",
            true,
            (Consumer<NetworkGatewayGroup>)
                g -> g.getMetadata().setAnnotations(Map.of("owner", "portal"))));
  }

  @ParameterizedTest(name = "{0}: tag changes = {1}")
  @MethodSource("changes")
  void theTagFollowsWhatAClientCanEdit(
      String desc, boolean changesTag, Consumer<NetworkGatewayGroup> change) {
    NetworkGatewayGroup before = group();
    NetworkGatewayGroup after = group();

    change.accept(after);

    assertThat(ETags.of(after).equals(ETags.of(before))).isNotEqualTo(changesTag);
  }

  @ParameterizedTest(name = "If-None-Match {0} vs tag {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"7-ab\"          | 7-ab | true",
        "W/\"7-ab\"        | 7-ab | true",
        "\"6-ab\", \"7-ab\" | 7-ab | true",
        "*                 | 7-ab | true",
        "\"6-ab\"          | 7-ab | false",
        "7-ab              | 7-ab | false",
      })
  void ifNoneMatchUsesWeakComparison(String header, String tag, boolean hits) {
    assertThat(ETags.noneMatchHits(header, tag)).isEqualTo(hits);
  }

  private static void up(NetworkGatewayGroup g) {
    NetworkGatewayGroupStatus status = new NetworkGatewayGroupStatus();
    status.setNodes(Map.of("worker1", "Up"));
    g.setStatus(status);
  }

  private static NetworkGatewayGroup group() {
    NetworkGatewayGroup g = new NetworkGatewayGroup();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("team", "a");
    labels.put("tier", "prod");
    g.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("kube-system")
            .withName("default")
            .withGeneration(2L)
            .withResourceVersion("42")
            .withLabels(labels)
            .build());
    g.setSpec(new NetworkGatewayGroupSpec(new ArrayList<>(List.of("192.168.1.100")), Map.of()));
    return g;
  }
}
