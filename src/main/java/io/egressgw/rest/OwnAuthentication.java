package io.egressgw.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JAX-RS resource class under {@code /v1/} that authenticates its callers itself (the agent
 * channel: per-node agent credentials, not users' tokens), so that {@code
 * security.RestAuthorizationFilter} does not ask for a user's token there. Its path parameters are
 * still validated as Kubernetes names before the resource runs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface OwnAuthentication {
  /** Why the resource authenticates on its own, for readers and reviews. */
  String value();
}
