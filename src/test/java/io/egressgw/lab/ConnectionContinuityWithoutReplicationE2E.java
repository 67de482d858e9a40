package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabFlows.Outcome;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The control run: replication switched off on every agent; the holder's death breaks the flows
 * (reset, a new source port, or no answer any more), which shows the checks above can fail. With
 * fully random SNAT ports, the new holder's pick-up gives every flow a new port.
 */
class ConnectionContinuityWithoutReplicationE2E extends ConnectionContinuityE2E {
  @Override
  List<String> agentOptions() {
    return List.of("-Degressgw.agent.replication.enabled=false", FULLY_RANDOM_PORTS);
  }

  @Override
  @Test
  @Order(1)
  void flowsSurviveTheHoldersDeath() throws Exception {
    String holder = lab.floatingIPs().get(IP);
    LabConnections run = startFlows(holder);
    settle();

    Lab.Failover f = lab.failAndMeasure(holder);

    Outcome o = run.finish();
    long broken = o.broken(IP).size();
    System.out.printf(
        "CONTINUITY without replication, death of %s (recovery %s): %d of %d flows broken; %s%n",
        holder, f.recovery(), broken, o.flows().size(), o.stalls());
    assertThat(broken).as("flows broken without replication").isPositive();
    assertThat(lab.heal(holder)).isZero();
  }

  @Override
  @Test
  @Order(2)
  void flowsSurviveACordonOfTheHolder() {
    // the control run checks the death only
  }

  @Override
  @Test
  @Order(3)
  void flowsSurviveAnUpgradeOfTheHoldersAgent() {
    // the control run checks the death only
  }
}
