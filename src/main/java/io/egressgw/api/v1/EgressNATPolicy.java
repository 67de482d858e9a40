package io.egressgw.api.v1;

import io.egressgw.crd.JsonMergePatchCustomizer;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Cluster-scoped rule: traffic of the selected pods to the listed destinations leaves through the
 * referenced gateway group's first floating IP (SNAT) instead of the pod's own node address.
 *
 * <p>The schema's root, spec and status descriptions (what {@code kubectl explain enp} prints) are
 * set by the merge patch below: the generator takes field descriptions only from annotated fields,
 * and these three belong to fabric8's CustomResource.
 */
@Group(NetworkGatewayGroup.GROUP)
@Version(NetworkGatewayGroup.VERSION)
@Kind("EgressNATPolicy")
@Plural("egressnatpolicies")
@Singular("egressnatpolicy")
@ShortNames("enp")
@Categories(NetworkGatewayGroup.CATEGORY)
@SchemaCustomizer(
    value = JsonMergePatchCustomizer.class,
    input =
        """
        {"description": "EgressNATPolicy (egressgw): traffic of the selected pods to the listed\
         destinations leaves SNATed to the first floating IP of the referenced\
         NetworkGatewayGroup, wherever the pods run. Cluster-scoped.",
         "properties": {
           "spec": {"description": "Which pods (sources), to which destination CIDRs, through\
         which gateway group. Written by users."},
           "status": {"description": "The egress IP and gateway node in use now, and whether the\
         policy is Accepted and Programmed on every node. Written by the controller only."}}}
        """)
@AdditionalPrinterColumn(
    name = "Gateway",
    jsonPath = ".spec.gatewayRef.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Gateway Namespace",
    jsonPath = ".spec.gatewayRef.namespace",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Egress IP",
    jsonPath = ".status.egressIP",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Gateway Node",
    jsonPath = ".status.gatewayNode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Accepted",
    jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Programmed",
    jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Destinations",
    jsonPath = ".spec.destinations[*].cidr",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.conditions[?(@.type==\"Programmed\")].message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class EgressNATPolicy extends CustomResource<EgressNATPolicySpec, EgressNATPolicyStatus> {
  public static final String KIND = "EgressNATPolicy";
  public static final String CRD_NAME = "egressnatpolicies." + NetworkGatewayGroup.GROUP;
}
