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
 * (Normal), FloatingIPMoved and FloatingIPUnassigned (Warning), with the placement's reason. A
 * planned hand-over (the old holder is cordoned, labelled egressgw.io/drain or its agent is
 * stopping) is a Normal FloatingIPMoved whose message starts with its cause (Cordoned, Drained,
 * AgentDraining), also set as the Event's action. Leader only; a failed write is logged, not
 * retried (Events are best effort).
 */
@ApplicationScoped
public class FloatingIpEvents {
  private static final Logger LOG = Logger.getLogger(FloatingIpEvents.class);
  static final String COMPONENT = "egressgw-controller";

  @Inject KubernetesClient client;
  @Inject Leadership leadership;

  /** Records {@code move} of one of {@code group}'s IPs. */
  void moved(NetworkGatewayGroup group, FloatingIpMove move, Instant now) {
    if (!leadership.isLeader()) {
      return;
    }
    // Event names must be unique; the nanosecond counter makes them so within one replica.
    Event e = event(group, move, now, Long.toHexString(System.nanoTime()));
    try {
      client.v1().events().inNamespace(group.getMetadata().getNamespace()).resource(e).create();
    } catch (KubernetesClientException ex) {
      LOG.warnf("event for %s not written: %s", move.ip(), ex.getMessage());
    }
  }

  /** The Event for {@code move} (pure), named {@code <group>.<suffix>}. */
  static Event event(NetworkGatewayGroup group, FloatingIpMove move, Instant now, String suffix) {
    String ns = group.getMetadata().getNamespace();
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
            + (move.planned() ? move.cause() + ": " : "")
            + move.reason()
            + ")";
    boolean warning = move.toNode() == null || (move.fromNode() != null && !move.planned());
    return new EventBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(group.getMetadata().getName() + "." + suffix)
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
        .withAction(move.cause())
        .withType(warning ? "Warning" : "Normal")
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
