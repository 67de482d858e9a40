package io.egressgw.validation;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicySpec;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.LabelSelector;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.egressgw.api.v1.SourceRule;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Valid objects to start each test row from. */
final class Fixtures {
  private Fixtures() {}

  static NetworkGatewayGroup group(String namespace, String name, String... ips) {
    NetworkGatewayGroup g = new NetworkGatewayGroup();
    g.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    g.setSpec(new NetworkGatewayGroupSpec(new ArrayList<>(List.of(ips)), null));
    return g;
  }

  static EgressNATPolicy policy(String name) {
    EgressNATPolicy p = new EgressNATPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(name).build());
    p.setSpec(
        new EgressNATPolicySpec(
            new ArrayList<>(
                List.of(
                    new SourceRule(
                        new LabelSelector(Map.of("user", "alice")),
                        new LabelSelector(Map.of("role", "frontend"))))),
            "SNAT",
            new ArrayList<>(List.of(new Destination("8.8.8.0/24"))),
            new GatewayRef("default", "kube-system")));
    return p;
  }
}
