package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.netns.RootRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Failover benchmark on the whole lab: real controller, real agents in node namespaces, real eBPF.
 * Each round fails the node holding the egress IP (agent killed, link cut, as {@code ./egw lab
 * fail} does), measures from the cut to the first successful TCP exchange of a selected pod on
 * another node that leaves with the egress IP again, then heals the node. LabE2E checks that
 * traffic recovers; how fast is this figure (BENCHMARKS.md, "Failover in the lab").
 *
 * <p>Root, and not in the suite (whose tiers are *Test, *IT and *E2E). Run with {@code flock
 * /tmp/egw-e2e.lock mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=LabFailoverBench}, optionally {@code -Dbench.rounds=N} (default 10).
 */
class LabFailoverBench {
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 10);

  @Test
  void failover() throws Exception {
    RootRequirement.check();
    Path dir = Files.createTempDirectory("egw-lab-bench");
    Lab lab = new Lab(dir, Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath());
    List<Long> recoveryMs = new ArrayList<>();
    try {
      assertThat(lab.up()).as("lab up (logs in %s)", dir).isZero();
      for (int round = 0; round < ROUNDS; round++) {
        String holder = lab.floatingIPs().get(LabPlan.FLOATING_IP_1);
        Lab.Failover f = lab.failAndMeasure(holder);
        assertThat(f.recovery())
            .as("round %d: recovered (last seen %s)", round, f.lastSeen())
            .isPresent();
        recoveryMs.add(f.recovery().get().toMillis());
        assertThat(lab.heal(holder)).as("round %d: %s healed", round, holder).isZero();
      }
    } finally {
      lab.down();
    }
    List<Long> sorted = new ArrayList<>(recoveryMs);
    Collections.sort(sorted);
    System.out.printf(
        "%nLAB FAILOVER rounds=%d, cut -> egress IP seen again: p50 %d ms, p90 %d ms,"
            + " max %d ms, min %d ms; in order: %s%n",
        ROUNDS,
        sorted.get(sorted.size() / 2),
        sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1),
        sorted.get(sorted.size() - 1),
        sorted.get(0),
        recoveryMs);
  }
}
