package io.egressgw.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.validation.GatewayGroupLookup;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** AdmissionReview verdicts for bad and good objects, with the REST API's rules and messages. */
class AdmissionReviewerTest {
  static final String STORED_GROUP =
      """
      {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
       "metadata":{"namespace":"kube-system","name":"default"},
       "spec":{"floatingIPs":["192.168.1.100","192.168.1.101"]}}\
      """;
  static final GatewayGroupLookup LOOKUP =
      GatewayGroupLookup.of(
          List.of(Serialization.unmarshal(STORED_GROUP, NetworkGatewayGroup.class)));

  static String group(String name, String ips) {
    return """
    {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
     "metadata":{"namespace":"kube-system","name":"%s"},"spec":{"floatingIPs":[%s]}}\
    """
        .formatted(name, ips);
  }

  static String policy(String destinations, String gatewayName, String action) {
    return """
    {"apiVersion":"networking.gke.io/v1","kind":"EgressNATPolicy","metadata":{"name":"egress"},
     "spec":{"sources":[{"namespaceSelector":{"matchLabels":{"user":"alice"}},
                         "podSelector":{"matchLabels":{"role":"frontend"}}}],
             "action":"%s","destinations":[%s],
             "gatewayRef":{"name":"%s","namespace":"kube-system"}}}\
    """
        .formatted(action, destinations, gatewayName);
  }

  static String review(String operation, String kind, String object) {
    return """
    {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
     "request":{"uid":"u-1","kind":{"group":"networking.gke.io","version":"v1","kind":"%s"},
                "resource":{"group":"networking.gke.io","version":"v1","resource":"x"},
                "name":"n","operation":"%s","object":%s}}\
    """
        .formatted(kind, operation, object);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "a valid new group",
            "CREATE",
            "NetworkGatewayGroup",
            group("g2", "\"192.168.1.110\""),
            true,
            0,
            null),
        Arguments.of(
            "a malformed floating IP",
            "CREATE",
            "NetworkGatewayGroup",
            group("g2", "\"192.168.1.999\""),
            false,
            422,
            "spec.floatingIPs[0]"),
        Arguments.of(
            "an IPv6 floating IP: the gateway is IPv4-only",
            "CREATE",
            "NetworkGatewayGroup",
            group("g2", "\"2001:db8::1\""),
            false,
            422,
            "IPv4"),
        Arguments.of(
            "a floating IP owned by another group",
            "CREATE",
            "NetworkGatewayGroup",
            group("g2", "\"192.168.1.120\", \"192.168.1.101\""),
            false,
            409,
            "spec.floatingIPs[1]"),
        Arguments.of(
            "the owner itself updating keeps its IPs",
            "UPDATE",
            "NetworkGatewayGroup",
            group("default", "\"192.168.1.100\", \"192.168.1.101\""),
            true,
            0,
            null),
        Arguments.of(
            "a valid policy",
            "CREATE",
            "EgressNATPolicy",
            policy("{\"cidr\":\"203.0.113.0/24\"}", "default", "SNAT"),
            true,
            0,
            null),
        Arguments.of(
            "a gatewayRef to a missing group",
            "CREATE",
            "EgressNATPolicy",
            policy("{\"cidr\":\"203.0.113.0/24\"}", "nope", "SNAT"),
            false,
            422,
            "spec.gatewayRef"),
        Arguments.of(
            "a CIDR with host bits set",
            "CREATE",
            "EgressNATPolicy",
            policy("{\"cidr\":\"203.0.113.5/24\"}", "default", "SNAT"),
            false,
            422,
            "spec.destinations[0].cidr"),
        Arguments.of(
            "an unknown action",
            "UPDATE",
            "EgressNATPolicy",
            policy("{\"cidr\":\"203.0.113.0/24\"}", "default", "MASQUERADE"),
            false,
            422,
            "spec.action"),
        Arguments.of(
            "no destinations",
            "CREATE",
            "EgressNATPolicy",
            policy("", "default", "SNAT"),
            false,
            422,
            "spec.destinations"),
        Arguments.of(
            "a delete is never blocked", "DELETE", "EgressNATPolicy", "null", true, 0, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void verdict(
      String desc,
      String op,
      String kind,
      String object,
      boolean allowed,
      int code,
      String mentions) {
    AdmissionReview in = Serialization.unmarshal(review(op, kind, object), AdmissionReview.class);

    AdmissionResponse out = AdmissionReviewer.review(in, LOOKUP).getResponse();

    assertThat(out.getUid()).isEqualTo("u-1");
    assertThat(out.getAllowed()).isEqualTo(allowed);
    if (!allowed) {
      assertThat(out.getStatus().getCode()).isEqualTo(code);
      assertThat(out.getStatus().getMessage()).contains(mentions);
    }
  }
}
