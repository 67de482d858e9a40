/**
 * What tracing (OpenTelemetry, off by default) carries from one thread to another: the span
 * contexts of Kubernetes writes made by the REST API ({@link io.egressgw.tracing.TracedWrites}),
 * recorded there and picked up by the controller's reconcile thread when it rolls out the programs
 * the writes changed. Its own package because both the REST API and the controller use it and
 * neither may import the other.
 */
package io.egressgw.tracing;
