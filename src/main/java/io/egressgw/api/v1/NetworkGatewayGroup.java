package io.egressgw.api.v1;

import io.fabric8.crd.generator.annotation.PrinterColumn;
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
public class NetworkGatewayGroup
    extends CustomResource<NetworkGatewayGroupSpec, NetworkGatewayGroupStatus> implements Namespaced {
  public static final String GROUP = "networking.gke.io";
  public static final String VERSION = "v1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "NetworkGatewayGroup";
  public static final String CRD_NAME = "networkgatewaygroups." + GROUP;
}
