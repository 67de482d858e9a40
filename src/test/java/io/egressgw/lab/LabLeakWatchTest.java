package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabLeakWatchTest {
  @Test
  void countsPacketsFromThePodRangeBeforeRoutingAndRemembersTheirSources() {
    String r = LabLeakWatch.ruleset("10.10.0.0/16");
    assertThat(r).startsWith("table ip egw_leakwatch {}\ndelete table ip egw_leakwatch\n");
    assertThat(r).contains("hook prerouting priority raw");
    assertThat(r)
        .contains(
            "ip saddr 10.10.0.0/16 counter name pod_sources add @sources { ether saddr . ip saddr");
  }

  @Test
  void parsesNftListings() {
    String counter =
        "table ip egw_leakwatch {\n\tcounter pod_sources {\n\t\tpackets 3 bytes 180\n\t}\n}\n";
    String set =
        "table ip egw_leakwatch {\n"
            + "\tset sources {\n"
            + "\t\ttype ipv4_addr\n"
            + "\t\tsize 1024\n"
            + "\t\tflags dynamic\n"
            + "\t\telements = { 02:00:00:00:00:01 . 10.10.1.11 . tcp,\n"
            + "\t\t\t     02:00:00:00:00:02 . 10.10.2.12 . udp }\n"
            + "\t}\n"
            + "}\n";
    LabLeakWatch.Seen seen = LabLeakWatch.parse(counter, set);
    assertThat(seen.packets()).isEqualTo(3);
    assertThat(seen.sources())
        .isEqualTo(
            List.of(
                "02:00:00:00:00:01 . 10.10.1.11 . tcp", "02:00:00:00:00:02 . 10.10.2.12 . udp"));
    assertThat(seen.none()).isFalse();

    String empty = "table ip egw_leakwatch {\n\tset sources {\n\t\ttype ipv4_addr\n\t}\n}\n";
    LabLeakWatch.Seen none =
        LabLeakWatch.parse(counter.replace("packets 3 bytes 180", "packets 0 bytes 0"), empty);
    assertThat(none.none()).isTrue();
    assertThat(none.sources()).isEmpty();
    assertThatThrownBy(() -> LabLeakWatch.parse("nothing", empty))
        .isInstanceOf(IllegalStateException.class);
  }
}
