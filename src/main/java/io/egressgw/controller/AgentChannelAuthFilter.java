package io.egressgw.controller;

import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates a call on the agent channel ({@link AgentChannelResource}) on the matched route,
 * before its body is read (a filter runs before body reading unless it asks otherwise): a caller
 * without this node's agent credential is refused without the controller buffering a byte of what
 * it sends (issue 15). The resource checks again, from the review cache.
 */
public class AgentChannelAuthFilter {
  @Inject AgentAuthenticator auth;

  @ConfigProperty(name = "egressgw.role", defaultValue = "controller")
  String role;

  @ServerRequestFilter
  public Uni<Response> authenticate(
      ContainerRequestContext request, ResourceInfo matched, UriInfo uri) {
    if (matched == null
        || matched.getResourceClass() != AgentChannelResource.class
        || !"controller".equals(role)) {
      return Uni.createFrom().nullItem();
    }
    String node = uri.getPathParameters(true).getFirst("node");
    return Uni.createFrom()
        .completionStage(
            auth.authenticate(node, request.getHeaderString(HttpHeaders.AUTHORIZATION)))
        .map(
            outcome ->
                outcome == AuthOutcome.ALLOWED
                    ? null
                    : AgentChannelResource.refusal(outcome, node));
  }
}
