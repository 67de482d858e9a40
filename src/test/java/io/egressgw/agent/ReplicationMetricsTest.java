package io.egressgw.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.dataplane.ReplicationBatch;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Replication's meters read the replication's own counts. */
class ReplicationMetricsTest {
  static final int HELD = ConntrackReplicationTest.HELD;
  static final int OTHER = ConntrackReplicationTest.OTHER;

  static io.egressgw.dataplane.ConntrackEntry flow(int sport, int nat, int state) {
    return ConntrackReplicationTest.flow(sport, nat, state);
  }

  @Test
  void theMetersReadTheReplicationsCounts() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    ConntrackReplication node =
        new ConntrackReplication(Set::of, b -> {}, new InMemoryConntrackTable());
    ReplicationMetrics.register(registry, node);
    node.standbyFor(Set.of(OTHER));

    node.accept(new ReplicationBatch(HELD, List.of(flow(1000, HELD, 3)), List.of(), 0));

    assertThat(
            registry
                .get("egressgw.agent.conntrack.replicated.entries")
                .tag("direction", "refused")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(registry.get("egressgw.agent.conntrack.standby.entries").gauge().value()).isZero();
  }
}
