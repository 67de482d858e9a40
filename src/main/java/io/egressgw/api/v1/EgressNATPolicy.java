package io.egressgw.api.v1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
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
@AdditionalPrinterColumn(name = "Gateway", jsonPath = ".spec.gatewayRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Gateway Namespace",
    jsonPath = ".spec.gatewayRef.namespace",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Egress IP", jsonPath = ".status.egressIP", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Gateway Node", jsonPath = ".status.gatewayNode", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Destinations",
    jsonPath = ".spec.destinations[*].cidr",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class EgressNATPolicy extends CustomResource<EgressNATPolicySpec, EgressNATPolicyStatus> {
  public static final String KIND = "EgressNATPolicy";
  public static final String CRD_NAME = "egressnatpolicies." + NetworkGatewayGroup.GROUP;
}
