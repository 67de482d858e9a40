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
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewStatus()
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .addNewAddress().withType("InternalIP").withAddress(ip).endAddress()
        .endStatus()
        .build();
  }

  public static NetworkGatewayGroup group(String ns, String name, Map<String, String> selector, String... ips) {
    NetworkGatewayGroup g = new NetworkGatewayGroup();
    g.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    g.setSpec(new NetworkGatewayGroupSpec(List.of(ips), selector));
    return g;
  }
}
