package io.egressgw.controller;

import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.time.Instant;

/**
 * An agent's reported node IP checked against its Node object (issue 15). Other nodes steer a
 * gateway's traffic to the address its agent reports, so a compromised node could point them at
 * another host of the segment by reporting that host's address. The Node's InternalIP (written by
 * kubelet, which the agent's credentials cannot change) wins: a report that disagrees is used with
 * the Node's address instead, and the reported one is refused. Pure.
 */
final class ReportedNodeIp {
  private ReportedNodeIp() {}

  /**
   * {@code report} as the controller uses it; {@code refused}: the reported IP that was replaced,
   * or null when the report agreed (or there is no Node or InternalIP to check it against).
   */
  record Checked(NodeReport report, String refused) {}

  static Checked check(NodeReport report, Node node) {
    if (node == null) {
      return new Checked(report, null);
    }
    String internal = ClusterCache.facts(node).internalIP();
    if (internal == null || internal.equals(report.nodeIP())) {
      return new Checked(report, null);
    }
    return new Checked(
        new NodeReport(
            report.node(),
            report.agentId(),
            internal,
            report.subnets(),
            report.appliedGeneration(),
            report.heldFloatingIPs(),
            report.counters(),
            report.guardDrops(),
            report.drops(),
            report.applyError(),
            report.floatingIpClaims(),
            report.silentAfterMillis(),
            report.draining(),
            report.replicaReady(),
            report.uplinkDown()),
        report.nodeIP());
  }

  /** The Warning Event on the Node (namespace default, as kubelet's), named {@code node.suffix}. */
  static Event event(String node, String refused, String used, Instant now, String suffix) {
    return new EventBuilder()
        .withNewMetadata()
        .withNamespace("default")
        .withName(node + "." + suffix)
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Node")
                .withName(node)
                .build())
        .withReason("NodeIPRefused")
        .withMessage(
            "the agent reported node IP "
                + refused
                + ", the Node's InternalIP is "
                + used
                + ": other nodes steer to "
                + used)
        .withType("Warning")
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withCount(1)
        .withNewSource()
        .withComponent(FloatingIpEvents.COMPONENT)
        .endSource()
        .build();
  }
}
