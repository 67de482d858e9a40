package io.egressgw.rest;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.GatewayGroupInUse;
import io.egressgw.validation.ResourceAdmission;
import io.egressgw.validation.Verdict;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * /v1/namespaces/{namespace}/gateway-groups: NetworkGatewayGroups, as in openapi.yaml. A group that
 * policies reference is not deleted unless the caller says {@code ?force=true}.
 */
@RbacResource(group = NetworkGatewayGroup.GROUP, resource = "networkgatewaygroups")
@Path("/v1/namespaces/{namespace}/gateway-groups")
@Produces({"application/json", Problem.MEDIA_TYPE})
public class GatewayGroupResource {

  private final CustomResourceEndpoint<NetworkGatewayGroup> endpoint;
  private final DeletionGuard<NetworkGatewayGroup> inUse;

  public GatewayGroupResource(
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
    this.inUse =
        new DeletionGuard<>() {
          @Override
          public Verdict check(NetworkGatewayGroup current) {
            return GatewayGroupInUse.deletion(current, lookup.policies(), false);
          }

          @Override
          public NetworkGatewayGroup markForced(NetworkGatewayGroup current) {
            Map<String, String> annotations =
                current.getMetadata().getAnnotations() == null
                    ? new HashMap<>()
                    : new HashMap<>(current.getMetadata().getAnnotations());
            annotations.put(GatewayGroupInUse.ALLOW_DELETE, "true");
            current.getMetadata().setAnnotations(annotations);
            current.getMetadata().setManagedFields(null);
            return current;
          }
        };
  }

  @GET
  @Produces({"application/json", Problem.MEDIA_TYPE, "text/event-stream"})
  public Response list(
      @PathParam("namespace") String namespace,
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
        namespace,
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

  @GET
  @Path("{name}")
  public Response get(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @HeaderParam("If-None-Match") String ifNoneMatch) {
    return endpoint.get(namespace, name, ifNoneMatch);
  }

  @POST
  @Consumes({"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
  public Response create(
      @PathParam("namespace") String namespace,
      @HeaderParam("Content-Type") String contentType,
      @Context UriInfo uri,
      InputStream body) {
    return endpoint.create(namespace, body, contentType, uri.getAbsolutePath());
  }

  @PUT
  @Path("{name}")
  @Consumes({"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
  public Response replace(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @HeaderParam("Content-Type") String contentType,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body) {
    return endpoint.replace(namespace, name, body, contentType, ifMatch);
  }

  /** Any Content-Type reaches the method, so that authorisation answers first (401, 403). */
  @PATCH
  @Path("{name}")
  public Response patch(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @HeaderParam("Content-Type") String contentType,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body) {
    return endpoint.patch(namespace, name, body, contentType, ifMatch);
  }

  @DELETE
  @Path("{name}")
  public Response delete(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @HeaderParam("If-Match") String ifMatch,
      @QueryParam("force") String force) {
    return endpoint.delete(namespace, name, ifMatch, inUse, flag("force", force));
  }

  /** A boolean query parameter: absent is false; anything but true/false is 400 naming it. */
  static boolean flag(String parameter, String value) {
    if (value == null || value.isEmpty() || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw ProblemException.of(
        400,
        "bad-parameter",
        "Bad parameter",
        parameter + " must be true or false",
        parameter,
        "not true or false: '" + value + "'");
  }
}
