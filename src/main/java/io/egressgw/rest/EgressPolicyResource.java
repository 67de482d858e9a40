package io.egressgw.rest;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.ResourceAdmission;
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

/** /v1/egress-policies: EgressNATPolicies (cluster-scoped), as in openapi.yaml. */
@RbacResource(group = NetworkGatewayGroup.GROUP, resource = "egressnatpolicies")
@Path("/v1/egress-policies")
@Produces({"application/json", Problem.MEDIA_TYPE})
public class EgressPolicyResource {
  private final CustomResourceEndpoint<EgressNATPolicy> endpoint;

  public EgressPolicyResource(
      KubernetesClient client,
      ResourceCache cache,
      CacheGatewayGroupLookup lookup,
      RestSettings settings,
      WatchHub hub,
      KubernetesWrites writes) {
    this.endpoint =
        new CustomResourceEndpoint<>(
            EgressNATPolicy.class,
            "EgressNATPolicyList",
            false,
            cache::egressPolicies,
            ignored -> client.resources(EgressNATPolicy.class),
            policy -> ResourceAdmission.admit(policy, lookup),
            cache,
            settings,
            hub::egressPolicies,
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

  @GET
  @Path("{name}")
  public Response get(
      @PathParam("name") String name, @HeaderParam("If-None-Match") String ifNoneMatch) {
    return endpoint.get(null, name, ifNoneMatch);
  }

  @POST
  @Consumes({"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
  public Response create(
      @HeaderParam("Content-Type") String contentType, @Context UriInfo uri, InputStream body) {
    return endpoint.create(null, body, contentType, uri.getAbsolutePath());
  }

  @PUT
  @Path("{name}")
  @Consumes({"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
  public Response replace(
      @PathParam("name") String name,
      @HeaderParam("Content-Type") String contentType,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body) {
    return endpoint.replace(null, name, body, contentType, ifMatch);
  }

  /** Any Content-Type reaches the method, so that authorisation answers first (401, 403). */
  @PATCH
  @Path("{name}")
  public Response patch(
      @PathParam("name") String name,
      @HeaderParam("Content-Type") String contentType,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body) {
    return endpoint.patch(null, name, body, contentType, ifMatch);
  }

  @DELETE
  @Path("{name}")
  public Response delete(@PathParam("name") String name, @HeaderParam("If-Match") String ifMatch) {
    return endpoint.delete(null, name, ifMatch);
  }
}
