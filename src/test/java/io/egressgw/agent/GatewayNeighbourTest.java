package io.egressgw.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.agent.GatewayNeighbour.Action;
import io.egressgw.dataplane.Neighbours;
import io.egressgw.dataplane.Neighbours.Entry;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which gateway neighbour entries the agent resolves, re-probes or leaves to the kernel. */
class GatewayNeighbourTest {
  static final Duration REPROBE_AFTER = Duration.ofSeconds(5);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("no entry: resolve", null, Action.RESOLVE),
        Arguments.of("failed: resolve", new Entry(Neighbours.NUD_FAILED, 0), Action.RESOLVE),
        Arguments.of(
            "incomplete: resolve (the kernel may be done asking)",
            new Entry(Neighbours.NUD_INCOMPLETE, 0),
            Action.RESOLVE),
        Arguments.of(
            "stale: re-probe, its MAC may have changed",
            new Entry(Neighbours.NUD_STALE, 40_000),
            Action.PROBE),
        Arguments.of(
            "reachable, confirmed long ago: re-probe",
            new Entry(Neighbours.NUD_REACHABLE, 5_000),
            Action.PROBE),
        Arguments.of(
            "reachable, confirmed lately: nothing",
            new Entry(Neighbours.NUD_REACHABLE, 1_200),
            Action.NONE),
        Arguments.of(
            "delay: the kernel confirms it already",
            new Entry(Neighbours.NUD_DELAY, 30_000),
            Action.NONE),
        Arguments.of(
            "probe: the kernel confirms it already",
            new Entry(Neighbours.NUD_PROBE, 30_000),
            Action.NONE),
        Arguments.of(
            "permanent: set by hand, never touched",
            new Entry(Neighbours.NUD_PERMANENT, Long.MAX_VALUE),
            Action.NONE),
        Arguments.of(
            "noarp: no resolution on this link", new Entry(Neighbours.NUD_NOARP, 0), Action.NONE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void actionPerEntry(String desc, Entry entry, Action expected) {
    assertThat(GatewayNeighbour.of(entry, REPROBE_AFTER)).as(desc).isEqualTo(expected);
  }
}
