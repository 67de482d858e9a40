package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.lab.LabFlows.Flow;
import io.egressgw.lab.LabFlows.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What counts as a kept flow: the one definition the lab and the continuity tests share. */
class LabFlowsTest {
  private static final String IP = "192.168.1.100";

  private static Flow ok(String name) {
    return new Flow(name, 120, "", true);
  }

  @Test
  void aClientsSummaryIsItsLastLine() {
    String out =
        "warming up\n"
            + "{\"flows\": [{\"name\": \"p-t0\", \"maxGapMs\": 75, \"error\": \"\","
            + " \"answeredAfterMove\": true}, {\"name\": \"p-u0\", \"maxGapMs\": 900,"
            + " \"error\": \"ConnectionResetError()\", \"answeredAfterMove\": false}]}\n";

    assertThat(LabFlows.parse(out))
        .containsExactly(
            new Flow("p-t0", 75, "", true), new Flow("p-u0", 900, "ConnectionResetError()", false));
  }

  @Test
  void aClientThatPrintedNoSummaryIsAnError() {
    assertThatThrownBy(() -> LabFlows.parse("Traceback: ConnectionRefusedError\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ConnectionRefusedError");
  }

  @Test
  void aFlowIsKeptOnlyWithOneSourceTheFloatingIpsNoResetNoErrorAndAnAnswerAtTheEnd() {
    List<Flow> flows =
        List.of(
            ok("p-t0"),
            ok("p-t1"),
            ok("p-t2"),
            ok("p-t3"),
            new Flow("p-t4", 50, "BrokenPipeError()", true),
            new Flow("p-u0", 50, "", false),
            ok("p-u1"));
    List<String> listener =
        List.of(
            "tcp p-t0 192.168.1.100:40000",
            "tcp p-t1 192.168.1.100:40001",
            "tcp p-t1 192.168.1.100:51000", // a new port: the flow was re-NATed
            "tcp p-t2 10.10.2.12:40002", // the pod's own address
            "tcp p-t3 192.168.1.100:40003",
            "reset 192.168.1.100:40003",
            "tcp p-t4 192.168.1.100:40004",
            "udp p-u0 192.168.1.100:40005",
            "udp p-u1 192.168.1.100:40006",
            "tcp other-t0 10.10.9.9:1"); // another run's flow

    Outcome o = Outcome.of(flows, listener, name -> name.startsWith("p-"));

    Map<String, String> broken = o.broken(IP);
    assertThat(broken)
        .containsOnlyKeys("p-t1", "p-t2", "p-t3", "p-t4", "p-u0")
        .containsEntry("p-t3", "reset")
        .containsEntry("p-u0", "no answer in its last second");
    assertThat(broken.get("p-t2")).contains("10.10.2.12").contains("not " + IP);
    assertThat(o.foreignSources(IP)).containsExactly("10.10.2.12");
    assertThat(o.maxStallMillis()).isEqualTo(120);
  }

  @Test
  void aFlowTheListenerNeverSawIsNotKept() {
    Outcome o = Outcome.of(List.of(ok("p-t0")), List.of(), name -> true);

    assertThat(o.broken(IP)).containsEntry("p-t0", "seen outside from nowhere");
  }

  @Test
  void aTenthOfTheConnectionsAreUdpAtLeastOnePerPodAndATcpOneEach() {
    assertThat(LabConnections.udpShare(100, 1)).isEqualTo(10);
    assertThat(LabConnections.udpShare(20, 2)).isEqualTo(2);
    assertThat(LabConnections.udpShare(4, 2)).isEqualTo(2);
    assertThat(LabConnections.udpShare(5, 3)).isEqualTo(2);
  }

  @Test
  void chaosCarriesConnectionsOnlyWhenAsked() {
    assertThat(LabChaos.Settings.parse(List.of()).connections()).isZero();
    assertThat(LabChaos.Settings.parse(List.of("--connections", "100")).connections())
        .isEqualTo(100);
    assertThatThrownBy(() -> LabChaos.Settings.parse(List.of("--connections", "-1")))
        .hasMessageContaining("--connections");
  }
}
