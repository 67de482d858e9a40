package io.egressgw.agent;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Conntrack replication's meters (issue 13): {@code
 * egressgw_agent_conntrack_replicated_entries_total{direction}} (sent as primary, installed as
 * standby, refused: for an IP this node is not standby for, or not SNATed to the batch's IP,
 * failed: the kernel did not take it), {@code egressgw_agent_conntrack_standby_entries} (entries
 * held for the IPs this node stands by for), {@code
 * egressgw_agent_conntrack_replication_lag_seconds} (a histogram: a batch sent by the primary to
 * installed here, wall clock) and {@code egressgw_agent_conntrack_takeover_unreplicated_total} (TCP
 * flows of a floating IP this node took over that it first saw mid-stream within 30 s of the
 * takeover: flows it had no replicated entry for, i.e. lost unless conntrack's pick-up happened to
 * choose their old port).
 */
public final class ReplicationMetrics {
  private ReplicationMetrics() {}

  /** Registers the meters of replication on registry. */
  public static void register(MeterRegistry registry, ConntrackReplication replication) {
    for (String direction : new String[] {"sent", "installed", "refused", "failed"}) {
      FunctionCounter.builder(
              "egressgw.agent.conntrack.replicated.entries",
              replication,
              r ->
                  switch (direction) {
                    case "sent" -> r.sentEntries();
                    case "installed" -> r.installedEntries();
                    case "refused" -> r.refusedEntries();
                    default -> r.failedInstalls();
                  })
          .description(
              "Conntrack entries replicated: sent as primary, installed as standby, refused,"
                  + " failed to install")
          .tag("direction", direction)
          .register(registry);
    }
    Gauge.builder(
            "egressgw.agent.conntrack.standby.entries",
            replication,
            ConntrackReplication::replicatedEntries)
        .description(
            "Replicated conntrack entries held for the floating IPs this node stands by for")
        .register(registry);
    FunctionCounter.builder(
            "egressgw.agent.conntrack.takeover.unreplicated",
            replication,
            ConntrackReplication::unreplicatedAtTakeover)
        .description(
            "TCP flows of a taken-over floating IP first seen mid-stream: not replicated in time")
        .register(registry);
    Timer lag =
        Timer.builder("egressgw.agent.conntrack.replication.lag")
            .description("A replication batch sent by the primary to installed here (wall clock)")
            .publishPercentileHistogram()
            .register(registry);
    replication.onLag(millis -> lag.record(Duration.ofMillis(millis)));
  }
}
