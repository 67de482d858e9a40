package io.egressgw.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JAX-RS resource class under {@code /v1/} as the REST face of a Kubernetes resource, so
 * that {@code security.RestAuthorizationFilter} authorises its calls with the RBAC attributes
 * kubectl would need. The namespace and name come from the matched route's {@code namespace} and
 * {@code name} path parameters. A {@code /v1/} resource without this (or {@link OwnAuthentication})
 * is refused whenever authorisation is on: deny by default.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RbacResource {
  /** The API group, e.g. networking.gke.io. */
  String group();

  /** The plural resource name RBAC rules use, e.g. networkgatewaygroups. */
  String resource();
}
