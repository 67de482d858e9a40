package io.egressgw.api.v1;

import io.egressgw.crd.JsonMergePatchCustomizer;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A set of floating IPv4 addresses that the controller places on healthy nodes, one node per
 * address; egress NAT policies use the first of them as their source address.
 *
 * <p>The printer columns print words, not JSON: the spec's addresses one by one, and the Ready and
 * Degraded conditions with the reason for the latter (the IP-to-node map stays in {@code -o yaml},
 * since a JSONPath cannot print a map's keys beside its values). The root, spec and status
 * descriptions are set by the merge patch below, as in {@link EgressNATPolicy}.
 */
@Group(NetworkGatewayGroup.GROUP)
@Version(NetworkGatewayGroup.VERSION)
@Kind("NetworkGatewayGroup")
@Plural("networkgatewaygroups")
@Singular("networkgatewaygroup")
@ShortNames("ngg")
@Categories(NetworkGatewayGroup.CATEGORY)
@SchemaCustomizer(
    value = JsonMergePatchCustomizer.class,
    input =
        """
        {"description": "NetworkGatewayGroup (egressgw): floating IPv4 addresses that the\
         controller places on healthy nodes, one node per address, moving an address when its\
         node goes Down. EgressNATPolicies use the first one as their source address.",
         "properties": {
           "spec": {"description": "The floating IPs and, optionally, which nodes may hold\
         them. Written by users."},
           "status": {"description": "Which node holds each floating IP, the nodes that may hold\
         them (Up or Down), and the Ready and Degraded conditions. Written by the controller\
         only."}}}
        """)
@AdditionalPrinterColumn(
    name = "Floating IPs",
    jsonPath = ".spec.floatingIPs[*]",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Degraded",
    jsonPath = ".status.conditions[?(@.type==\"Degraded\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Degraded\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.conditions[?(@.type==\"Degraded\")].message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class NetworkGatewayGroup
    extends CustomResource<NetworkGatewayGroupSpec, NetworkGatewayGroupStatus>
    implements Namespaced {
  public static final String GROUP = "networking.gke.io";
  public static final String VERSION = "v1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "NetworkGatewayGroup";
  public static final String CRD_NAME = "networkgatewaygroups." + GROUP;

  /** The kubectl category of both kinds: {@code kubectl get egressgw} lists them all. */
  public static final String CATEGORY = "egressgw";
}
