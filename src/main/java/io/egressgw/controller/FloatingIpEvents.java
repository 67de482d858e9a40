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
 * AgentDraining), also set as the Event's action. FloatingIPConflict (Warning, action Yielded) when
 * a node reports that another host announced one of its floating IPs and it yielded.
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
    write(group, event(group, move, now, Long.toHexString(System.nanoTime())), move.ip());
  }

  /**
   * Records that {@code node} yielded {@code ip} because the host with {@code claimerMac} announced
   * it; {@code assignedTo} is the holder the controller assigned (null: none).
   */
  void claimed(
      NetworkGatewayGroup group,
      String node,
      String ip,
      String claimerMac,
      String assignedTo,
      Instant now) {
    write(
        group,
        conflictEvent(
            group, node, ip, claimerMac, assignedTo, now, Long.toHexString(System.nanoTime())),
        ip);
  }

  /** Records that {@code ip} of {@code group} is never placed, and why. */
  void refused(NetworkGatewayGroup group, String ip, String why, Instant now) {
    String message = ip + ": not placed, " + why;
    String suffix = Long.toHexString(System.nanoTime());
    write(group, event(group, "FloatingIPRefused", message, "Warning", null, now, suffix), ip);
  }

  private void write(NetworkGatewayGroup group, Event e, String ip) {
    if (!leadership.isLeader()) {
      return;
    }
    try {
      client.v1().events().inNamespace(group.getMetadata().getNamespace()).resource(e).create();
    } catch (KubernetesClientException ex) {
      LOG.warnf("event for %s not written: %s", ip, ex.getMessage());
    }
  }

  /** The FloatingIPConflict Event (pure), named {@code <group>.<suffix>}. */
  static Event conflictEvent(
      NetworkGatewayGroup group,
      String node,
      String ip,
      String claimerMac,
      String assignedTo,
      Instant now,
      String suffix) {
    String message =
        ip
            + ": another host ("
            + claimerMac
            + ") announced it while node "
            + node
            + " held it; "
            + node
            + " yielded (assigned to "
            + (assignedTo == null ? "no node" : assignedTo)
            + ")";
    return event(group, "FloatingIPConflict", message, "Warning", "Yielded", now, suffix);
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
            + (move.planned() ? move.cause() + ": " : "")
            + move.reason()
            + ")";
    boolean warning = move.toNode() == null || (move.fromNode() != null && !move.planned());
    return event(group, reason, message, warning ? "Warning" : "Normal", move.cause(), now, suffix);
  }

  private static Event event(
      NetworkGatewayGroup group,
      String reason,
      String message,
      String type,
      String action,
      Instant now,
      String suffix) {
    String ns = group.getMetadata().getNamespace();
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
        .withAction(action)
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
