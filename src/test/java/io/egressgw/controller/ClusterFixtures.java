package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;

/** Kubernetes objects for the controller's tests. */
public final class ClusterFixtures {
  private ClusterFixtures() {}

  public static Node readyNode(String name, String ip, Map<String, String> labels) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewAddress()
        .withType("InternalIP")
        .withAddress(ip)
        .endAddress()
        .endStatus()
        .build();
  }

  public static NetworkGatewayGroup group(
      String ns, String name, Map<String, String> selector, String... ips) {
    NetworkGatewayGroup g = new NetworkGatewayGroup();
    g.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    g.setSpec(new NetworkGatewayGroupSpec(List.of(ips), selector));
    return g;
  }

  public static io.egressgw.api.v1.EgressNATPolicy policy(
      String name,
      Map<String, String> nsLabels,
      Map<String, String> podLabels,
      String cidr,
      String gatewayNs,
      String gatewayName) {
    var p = new io.egressgw.api.v1.EgressNATPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(name).build());
    p.setSpec(
        new io.egressgw.api.v1.EgressNATPolicySpec(
            List.of(
                new io.egressgw.api.v1.SourceRule(
                    new io.egressgw.api.v1.LabelSelector(nsLabels),
                    new io.egressgw.api.v1.LabelSelector(podLabels))),
            "SNAT",
            List.of(new io.egressgw.api.v1.Destination(cidr)),
            new io.egressgw.api.v1.GatewayRef(gatewayName, gatewayNs)));
    return p;
  }
}
