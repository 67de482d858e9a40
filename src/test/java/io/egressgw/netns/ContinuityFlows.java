package io.egressgw.netns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The flows of the connection-continuity tests (issue 13), one harness for the netns tests and the
 * lab: an outside echo listener that logs each flow's source address and port and every reset it
 * sees ({@code flows/echo_listener.py}), and a pod's client that keeps TCP connections and UDP
 * flows busy for a while and reports each flow's longest stall and first error ({@code
 * flows/flow_client.py}). The scripts are test resources run by the machine's python3.
 */
public final class ContinuityFlows {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContinuityFlows() {}

  /** The listener's ports: TCP and UDP echo. */
  public record Ports(int tcp, int udp) {}

  /** The command that runs the listener on address (run it inside the outside host's netns). */
  public static String[] listener(Path log, String address, Ports ports) {
    return new String[] {
      "python3",
      "-c",
      script("echo_listener.py"),
      log.toAbsolutePath().toString(),
      address,
      Integer.toString(ports.tcp()),
      Integer.toString(ports.udp())
    };
  }

  /**
   * The command that runs one pod's client: flows named {@code prefix-tN} and {@code prefix-uN}.
   */
  public static String[] client(
      String destination, Ports ports, String prefix, int tcpFlows, int udpFlows, int seconds) {
    return new String[] {
      "python3",
      "-c",
      script("flow_client.py"),
      destination,
      Integer.toString(ports.tcp()),
      Integer.toString(ports.udp()),
      prefix,
      Integer.toString(tcpFlows),
      Integer.toString(udpFlows),
      Integer.toString(seconds)
    };
  }

  /** Starts a command in a netns, its output kept for {@link #summary}. */
  public static Process start(String netns, String... command) {
    try {
      return new ProcessBuilder(Sh.inNetns(netns, command)).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the listener listens on its TCP port. */
  public static void awaitListening(String netns, Ports ports) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(netns, "sh", "-c", "ss -ltn | grep -q ':" + ports.tcp() + " '"))
                    .ok());
  }

  /** Waits for a client to finish and returns its flows (fails with what it printed otherwise). */
  public static List<JsonNode> summary(Process client, long timeoutSeconds, String who)
      throws IOException, InterruptedException {
    assertThat(client.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", who).isTrue();
    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    JsonNode summary = JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(summary.path("flows").isArray()).as("%s said: %s", who, out).isTrue();
    List<JsonNode> flows = new ArrayList<>();
    summary.path("flows").forEach(flows::add);
    return flows;
  }

  /**
   * What the clients and the listener saw: every flow's summary, the listener's sources per flow
   * ({@code tcp|udp NAME} to {@code ADDR:PORT}s) and the resets of these flows' connections.
   */
  public record Outcome(
      List<JsonNode> flows, Map<String, Set<String>> sources, List<String> resets) {

    /** Reads the listener's log lines; ours says which flow names belong to this run. */
    public static Outcome of(
        List<JsonNode> flows, List<String> listenerLines, Predicate<String> ours)
        throws IOException {
      Map<String, Set<String>> sources = new TreeMap<>();
      List<String> resetAddresses = new ArrayList<>();
      for (String line : listenerLines) {
        String[] f = line.split(" ");
        if (f[0].equals("reset") && f.length == 2) {
          resetAddresses.add(f[1]);
        } else if (f.length == 3 && ours.test(f[1])) {
          sources.computeIfAbsent(f[0] + " " + f[1], k -> new HashSet<>()).add(f[2]);
        }
      }
      // a reset of this run's flows, by their address as the listener saw them
      Set<String> addresses = new HashSet<>();
      sources.values().forEach(addresses::addAll);
      List<String> resets = new ArrayList<>();
      resetAddresses.stream().filter(addresses::contains).forEach(a -> resets.add("reset " + a));
      return new Outcome(flows, sources, resets);
    }

    /** The listener's log from line {@code from} on. */
    public static List<String> listenerLines(Path log, int from) throws IOException {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return lines.subList(Math.min(from, lines.size()), lines.size());
    }

    public long maxStallMillis() {
      return flows.stream().mapToLong(f -> f.path("maxGapMs").asLong()).max().orElse(-1);
    }

    /** Stall percentiles, for the test's output. */
    public String stalls() {
      List<Long> gaps = new ArrayList<>();
      flows.forEach(f -> gaps.add(f.path("maxGapMs").asLong()));
      gaps.sort(null);
      if (gaps.isEmpty()) {
        return "flows=0";
      }
      return "flows="
          + gaps.size()
          + " stall p50="
          + gaps.get(gaps.size() / 2)
          + " ms max="
          + gaps.get(gaps.size() - 1)
          + " ms";
    }

    /**
     * Every flow survived: the listener saw each one from a single address and port, the floating
     * IP's, and no reset; each client saw no error, an answer in the last second, and no stall
     * longer than maxStallMillis.
     */
    public void assertSurvived(String floatingIp, int expectedFlows, long maxStallMillis) {
      assertThat(flows).as("flows").hasSize(expectedFlows);
      assertThat(resets).as("resets seen by the listener").isEmpty();
      assertThat(sources).as("flows seen by the listener").hasSize(expectedFlows);
      sources.forEach(
          (flow, seen) ->
              assertThat(seen)
                  .as("%s kept one source address and port, the floating IP's", flow)
                  .hasSize(1)
                  .allMatch(s -> s.startsWith(floatingIp + ":")));
      for (JsonNode f : flows) {
        assertThat(f.path("error").asText()).as("%s", f).isEmpty();
        assertThat(f.path("answeredAfterMove").asBoolean())
            .as("%s answered at the end", f)
            .isTrue();
        assertThat(f.path("maxGapMs").asLong())
            .as("stall of %s", f)
            .isLessThanOrEqualTo(maxStallMillis);
      }
    }

    /** How many TCP flows broke: a reset seen by the listener or an error seen by the client. */
    public long brokenTcpFlows() {
      return flows.stream()
          .filter(f -> f.path("name").asText().matches(".*-t\\d+"))
          .filter(f -> !f.path("error").asText().isEmpty())
          .count();
    }
  }

  private static String script(String name) {
    try (InputStream in = ContinuityFlows.class.getResourceAsStream("/flows/" + name)) {
      if (in == null) {
        throw new IllegalStateException("test resource flows/" + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
