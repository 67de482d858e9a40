package io.egressgw.api.v1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Cluster-scoped rule: traffic of the selected pods to the listed destinations leaves through the
 * referenced gateway group's first floating IP (SNAT) instead of the pod's own node address.
 */
@Group(NetworkGatewayGroup.GROUP)
@Version(NetworkGatewayGroup.VERSION)
@Kind("EgressNATPolicy")
@Plural("egressnatpolicies")
@Singular("egressnatpolicy")
@ShortNames("enp")
public class EgressNATPolicy extends CustomResource<EgressNATPolicySpec, EgressNATPolicyStatus> {
  public static final String KIND = "EgressNATPolicy";
  public static final String CRD_NAME = "egressnatpolicies." + NetworkGatewayGroup.GROUP;
}
