package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.netns.RootRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The short version of {@code lab chaos}: a few cycles of each fault against the whole lab (real
 * controller, real agents, real eBPF), with the harness's invariants: one ARP owner per floating IP
 * after a hand-over settles (1 s), selected pods seen outside only with the egress IP, and an
 * outage per fault under 1 s. The long run is {@code ./egw lab chaos --cycles N} (BENCHMARKS.md).
 */
class LabChaosE2E {
  static Lab lab;

  @BeforeAll
  static void up() throws Exception {
    RootRequirement.check();
    Path dir = Files.createTempDirectory("egw-lab-chaos-e2e");
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

  static LabChaos.Row run(String faults, int cycles, String... options) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(List.of("--cycles", String.valueOf(cycles), "--faults", faults));
    args.addAll(List.of(options));
    LabChaos.Settings settings = LabChaos.Settings.parse(args);
    List<LabChaos.Row> rows = new LabChaos(lab, settings).run();
    System.out.print(LabChaos.table(rows));
    return rows.get(0);
  }

  static void assertNoBreach(LabChaos.Row row) {
    assertThat(row.breaches()).as("%s: %s", row.fault(), row.notes()).isZero();
  }

  @Test
  void theHoldersDeathBreaksNoInvariantAndNoConnection() throws Exception {
    LabChaos.Row row = run("holder-death", 2, "--connections", "20");
    assertNoBreach(row);
    assertThat(row.connections()).as("connections carried across the deaths").isEqualTo(40);
  }

  // The faults below break invariants with today's agent and controller; each was run in the lab
  // (2 cores, load average ~20 from other builds, 2026-11-30) before it was disabled, and the
  // comment quotes what the harness saw (BENCHMARKS.md "Chaos"). Enable each with its fix.
  // (One-line reasons: Error Prone 2.42.0 crashes on concatenated literals in annotations.)

  // 2 of 2 cycles: the stopped holder's kernel kept answering ARP after the controller moved its
  // IPs: 2 ARP owners for 1.4-2.2 s; the selected pod on that node had no egress for 1.4-1.8 s.
  @Test
  void pausingTheHoldersAgentForTwoSecondsBreaksNoInvariant() throws Exception {
    assertNoBreach(run("agent-stop", 2));
  }

  // The restart took ~15 s here (JVM start 12.8 s under load), past the agents' 15 s hold-timeout:
  // every floating IP released, no ARP owner for 9.7-18 s; once paul/frontend was seen outside as
  // 192.168.1.1 (worker1's address) while the IPs were taken back.
  @Test
  void restartingTheControllerBreaksNoInvariant() throws Exception {
    assertNoBreach(run("controller-restart", 1));
  }

  // Issue 12: a controller paused for 1 s (SIGSTOP) declares nobody Down and moves nothing
  // (LabChaos counts a control-plane fault that moves the egress IP as a breach).
  @Test
  void pausingTheControllerForOneSecondMovesNothing() throws Exception {
    assertNoBreach(run("controller-stop", 2));
  }

  // The killed agent's addresses stay and answer ARP beside the new holder's: 2 ARP owners for
  // 19.8-22.4 s; alice/frontend, on the dead agent's node, had no egress for 1.8-2.0 s.
  @Test
  void killingTheHoldersAgentWithItsLinkUpBreaksNoInvariant() throws Exception {
    assertNoBreach(run("agent-kill", 1));
  }

  // The partitioned holder keeps its IPs while the controller moves them: 2 ARP owners for
  // 2.5-3.3 s; the holder's own selected pod had no egress for 1.75-1.8 s.
  @Test
  void partitioningTheHolderFromTheControllerBreaksNoInvariant() throws Exception {
    assertNoBreach(run("partition", 1));
  }

  // A holder cut from the LAN but still heartbeating kept its IPs: no ARP owner and no egress for
  // the whole 3 s cut (3.2-3.3 s). Now its agent sees the uplink lose its carrier and says so in
  // its next heartbeat (NodeReport.uplinkDown); the controller moves its IPs at once.
  @Test
  void cuttingTheHolderFromTheLanBreaksNoInvariant() throws Exception {
    assertNoBreach(run("lan-cut", 1));
  }

  // Agents released every floating IP 15.2-15.5 s after the controller died; after the router's
  // neighbours were flushed at +20 s nobody answered ARP: alice/frontend had no egress for 28.5 s.
  @Test
  void aControllerDownForTwentySecondsBreaksNoInvariant() throws Exception {
    assertNoBreach(run("controller-outage", 1));
  }

  // Issue 12: the Kubernetes API unreachable for 60 s (its process stopped): the controller loses
  // its Lease and stops answering agents, who keep their floating IPs; after the router forgets
  // its neighbours, the holder still answers ARP.
  @Test
  void theKubernetesApiUnreachableForSixtySecondsBreaksNoInvariant() throws Exception {
    assertNoBreach(run("api-outage", 1));
  }
}
