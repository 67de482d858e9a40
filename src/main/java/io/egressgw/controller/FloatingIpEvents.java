package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.placement.FloatingIpMove;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on a NetworkGatewayGroup for each floating IP move: FloatingIPAssigned
 * (Normal), FloatingIPMoved and FloatingIPUnassigned (Warning), with the placement's reason; and
 * FloatingIPRefused (Warning) when a floating IP would take over an address and is never placed.
 * Leader only; a failed write is logged, not retried (Events are best effort).
 */
@ApplicationScoped
public class FloatingIpEvents {
  private static final Logger LOG = Logger.getLogger(FloatingIpEvents.class);
  static final String COMPONENT = "egressgw-controller";

  @Inject KubernetesClient client;
  @Inject Leadership leadership;

  /** Records {@code move} of one of {@code group}'s IPs. */
  void moved(NetworkGatewayGroup group, FloatingIpMove move, Instant now) {
    // Event names must be unique; the nanosecond counter makes them so within one replica.
    write(group, move.ip(), event(group, move, now, Long.toHexString(System.nanoTime())));
  }

  /** Records that {@code ip} of {@code group} is never placed, and why. */
  void refused(NetworkGatewayGroup group, String ip, String why, Instant now) {
    Event e = event(group, "FloatingIPRefused", ip + ": not placed, " + why, "Warning", now);
    write(group, ip, withName(e, group, Long.toHexString(System.nanoTime())));
  }

  private void write(NetworkGatewayGroup group, String ip, Event e) {
    if (!leadership.isLeader()) {
      return;
    }
    try {
      client.v1().events().inNamespace(group.getMetadata().getNamespace()).resource(e).create();
    } catch (KubernetesClientException ex) {
      LOG.warnf("event for %s not written: %s", ip, ex.getMessage());
    }
  }

  private static Event withName(Event e, NetworkGatewayGroup group, String suffix) {
    e.getMetadata().setName(group.getMetadata().getName() + "." + suffix);
    return e;
  }

  /** The Event for {@code move} (pure), named {@code <group>.<suffix>}. */
  static Event event(NetworkGatewayGroup group, FloatingIpMove move, Instant now, String suffix) {
    String reason =
        move.toNode() == null
            ? "FloatingIPUnassigned"
            : move.fromNode() == null ? "FloatingIPAssigned" : "FloatingIPMoved";
    String message =
        move.ip()
            + ": "
            + (move.fromNode() == null ? "-" : move.fromNode())
            + " -> "
            + (move.toNode() == null ? "-" : move.toNode())
            + " ("
            + move.reason()
            + ")";
    String type = move.toNode() == null || move.fromNode() != null ? "Warning" : "Normal";
    return withName(event(group, reason, message, type, now), group, suffix);
  }

  /** An Event about {@code group} (pure), not named yet. */
  static Event event(
      NetworkGatewayGroup group, String reason, String message, String type, Instant now) {
    String ns = group.getMetadata().getNamespace();
    return new EventBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion(NetworkGatewayGroup.API_VERSION)
                .withKind(NetworkGatewayGroup.KIND)
                .withNamespace(ns)
                .withName(group.getMetadata().getName())
                .withUid(group.getMetadata().getUid())
                .build())
        .withReason(reason)
        .withMessage(message)
        .withType(type)
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
