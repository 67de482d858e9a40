package io.egressgw.api.v1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A set of floating IPv4 addresses that the controller places on healthy nodes, one node per
 * address; egress NAT policies use the first of them as their source address.
 */
@Group(NetworkGatewayGroup.GROUP)
@Version(NetworkGatewayGroup.VERSION)
@Kind("NetworkGatewayGroup")
@Plural("networkgatewaygroups")
@Singular("networkgatewaygroup")
@ShortNames("ngg")
@AdditionalPrinterColumn(name = "Floating IPs", jsonPath = ".spec.floatingIPs", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Placed",
    jsonPath = ".status.floatingIPs",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class NetworkGatewayGroup
    extends CustomResource<NetworkGatewayGroupSpec, NetworkGatewayGroupStatus> implements Namespaced {
  public static final String GROUP = "networking.gke.io";
  public static final String VERSION = "v1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "NetworkGatewayGroup";
  public static final String CRD_NAME = "networkgatewaygroups." + GROUP;
}
