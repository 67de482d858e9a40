package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabPlan.LabPod;
import io.egressgw.netns.RootRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole lab, as a newcomer runs it: real controller (on its embedded Kubernetes API emulator),
 * real agents inside node namespaces, real eBPF. Checks the reference's story and a failover, then
 * that `lab down` leaves no egw- namespace of the lab behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabE2E {
  static Lab lab;
  static Path dir;

  @BeforeAll
  static void up() throws Exception {
    RootRequirement.check();
    dir = Files.createTempDirectory("egw-lab-e2e");
    lab = new Lab(dir, Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath());
    assertThat(lab.up()).as("lab up (logs in %s)", dir).isZero();
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.down();
      assertThat(lab.namespacesLeft()).as("lab namespaces left after lab down").isEmpty();
    }
  }

  @Test
  @Order(1)
  void everyPodLeavesWithTheExpectedSourceAddress() {
    Map<LabPod, String> seen = lab.observedSources();
    assertThat(seen).hasSize(lab.plan().pods().size());
    seen.forEach((pod, source) ->
        assertThat(source).as("%s/%s on %s", pod.namespace(), pod.name(), pod.node()).isEqualTo(lab.expectedSource(pod)));
  }

  @Test
  @Order(2)
  void theSteeringNodeCountsThePolicysPacketsInItsMetrics() {
    // paul/frontend runs on worker2 and is steered to the egress holder: worker2's agent counts it.
    var node = lab.plan().node("worker2").orElseThrow();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      lab.observedSources();
      String metrics = lab.agentMetrics(node);
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("egressgw_agent_policy_packets_total\\{[^}]*policy=\"egress\"[^}]*\\} ([0-9.E]+)").matcher(metrics);
      assertThat(m.find()).as("policy counter in worker2's metrics").isTrue();
      assertThat(Double.parseDouble(m.group(1))).isPositive();
    });
  }

  @Test
  @Order(3)
  void theReferencePlacementHoldsOnWorkersOnly() {
    Map<String, String> ips = lab.floatingIPs();
    assertThat(ips).containsOnlyKeys("192.168.1.100", "192.168.1.101", "192.168.1.102");
    assertThat(ips.values()).allSatisfy(node -> assertThat(node).startsWith("worker")).doesNotHaveDuplicates();
  }

  @Test
  @Order(4)
  void failingTheEgressGatewayRecoversWithinTheFailoverBudget() throws Exception {
    String holder = lab.floatingIPs().get(LabPlan.FLOATING_IP_1);
    Lab.Failover f = lab.failAndMeasure(holder);
    assertThat(f.recovery()).as("traffic recovered (last seen %s)", f.lastSeen()).isPresent();
    assertThat(f.after().get(LabPlan.FLOATING_IP_1)).isNotEqualTo(holder).isNotNull();
    assertThat(f.recovery().get()).isLessThan(Duration.ofSeconds(1));
    assertThat(lab.heal(holder)).isZero();
    assertThat(lab.floatingIPs().get(LabPlan.FLOATING_IP_1)).as("no move back on heal").isEqualTo(f.after().get(LabPlan.FLOATING_IP_1));
  }
}
