package io.egressgw.rest;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.ResourceAdmission;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/**
 * /v1/gateway-groups: the NetworkGatewayGroups of every namespace, read-only, like {@code kubectl
 * get ngg -A} (and authorised like it: list networkgatewaygroups cluster-wide). Items page in
 * namespace, then name order.
 */
@RbacResource(group = NetworkGatewayGroup.GROUP, resource = "networkgatewaygroups")
@Path("/v1/gateway-groups")
@Produces({"application/json", Problem.MEDIA_TYPE})
public class AllNamespacesGatewayGroupResource {
  private final CustomResourceEndpoint<NetworkGatewayGroup> endpoint;

  public AllNamespacesGatewayGroupResource(
      KubernetesClient client,
      ResourceCache cache,
      CacheGatewayGroupLookup lookup,
      RestSettings settings,
      WatchHub hub,
      KubernetesWrites writes) {
    this.endpoint =
        new CustomResourceEndpoint<>(
            NetworkGatewayGroup.class,
            "NetworkGatewayGroupList",
            true,
            cache::gatewayGroups,
            namespace -> client.resources(NetworkGatewayGroup.class).inNamespace(namespace),
            group -> ResourceAdmission.admit(group, lookup),
            cache,
            settings,
            hub::gatewayGroups,
            hub,
            writes);
  }

  @GET
  @Produces({"application/json", Problem.MEDIA_TYPE, "text/event-stream"})
  public Response list(
      @QueryParam("limit") String limit,
      @QueryParam("continue") String continueToken,
      @QueryParam("labelSelector") String labelSelector,
      @QueryParam("fieldSelector") String fieldSelector,
      @QueryParam("watch") String watch,
      @QueryParam("resourceVersion") String resourceVersion,
      @QueryParam("timeoutSeconds") String timeoutSeconds,
      @HeaderParam("Accept") String accept,
      @HeaderParam("Authorization") String authorization,
      @Context HttpServerRequest request) {
    return endpoint.listOrWatch(
        null,
        limit,
        continueToken,
        labelSelector,
        fieldSelector,
        watch,
        resourceVersion,
        timeoutSeconds,
        accept,
        authorization,
        request);
  }
}
