package io.egressgw.lab;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Long-lived flows across a failover (issue 13), one harness for {@code lab fail}, {@code lab chaos
 * --connections} and the continuity tests: an outside echo listener that logs each flow's source
 * address and port and every reset it sees ({@code flows/echo_listener.py}), and a pod's client
 * that keeps TCP connections and UDP flows busy for a while and reports each flow's longest stall
 * and first error ({@code flows/flow_client.py}). The scripts run on the machine's python3 inside
 * the lab's namespaces; this class builds their commands and judges what they saw.
 */
public final class LabFlows {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LabFlows() {}

  /** The listener's ports: TCP and UDP echo. */
  public record Ports(int tcp, int udp) {}

  /** What one client said about one of its flows. */
  public record Flow(String name, long maxGapMs, String error, boolean answeredAtEnd) {
    boolean tcp() {
      return name.matches(".*-t\\d+");
    }
  }

  /** The command that runs the listener on address (run it inside the outside host's netns). */
  public static List<String> listener(Path log, String address, Ports ports) {
    return List.of(
        "python3",
        "-c",
        script("echo_listener.py"),
        log.toAbsolutePath().toString(),
        address,
        Integer.toString(ports.tcp()),
        Integer.toString(ports.udp()));
  }

  /**
   * The command that runs one pod's client: flows named {@code prefix-tN} and {@code prefix-uN}, a
   * message on each every 50 ms for {@code seconds}.
   */
  public static List<String> client(
      String destination, Ports ports, String prefix, int tcpFlows, int udpFlows, int seconds) {
    return List.of(
        "python3",
        "-c",
        script("flow_client.py"),
        destination,
        Integer.toString(ports.tcp()),
        Integer.toString(ports.udp()),
        prefix,
        Integer.toString(tcpFlows),
        Integer.toString(udpFlows),
        Integer.toString(seconds));
  }

  /**
   * The flows of a client's output (its last line, JSON).
   *
   * @throws IllegalStateException when the output holds no summary (the client failed to start)
   */
  public static List<Flow> parse(String clientOutput) {
    String last = clientOutput.strip().lines().reduce((a, b) -> b).orElse("");
    JsonNode summary;
    try {
      summary = JSON.readTree(last.isEmpty() ? "{}" : last);
    } catch (IOException e) {
      summary = JSON.createObjectNode();
    }
    if (!summary.path("flows").isArray()) {
      throw new IllegalStateException("no flow summary in the client's output: " + clientOutput);
    }
    List<Flow> flows = new ArrayList<>();
    for (JsonNode f : summary.path("flows")) {
      flows.add(
          new Flow(
              f.path("name").asText(),
              f.path("maxGapMs").asLong(),
              f.path("error").asText(),
              f.path("answeredAfterMove").asBoolean()));
    }
    return flows;
  }

  /** The listener's log from line {@code from} on. */
  public static List<String> listenerLines(Path log, int from) throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    return lines.subList(Math.min(from, lines.size()), lines.size());
  }

  /**
   * What the clients and the listener saw: every flow's summary, the listener's sources per flow
   * ({@code tcp|udp NAME} to {@code ADDR:PORT}s) and the resets of these flows' connections.
   */
  public record Outcome(List<Flow> flows, Map<String, Set<String>> sources, List<String> resets) {

    /** Reads the listener's log lines; ours says which flow names belong to this run. */
    public static Outcome of(List<Flow> flows, List<String> listenerLines, Predicate<String> ours) {
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
      return new Outcome(List.copyOf(flows), sources, List.copyOf(resets));
    }

    /**
     * The flows that did not survive, each with why: the client saw an error or no answer in the
     * last second, or the listener saw the flow from more than one address and port, from an
     * address other than {@code floatingIp}, or reset. The one definition of "a flow was kept".
     */
    public Map<String, String> broken(String floatingIp) {
      Map<String, String> out = new LinkedHashMap<>();
      for (Flow f : flows) {
        Set<String> seen = sources.getOrDefault((f.tcp() ? "tcp " : "udp ") + f.name(), Set.of());
        if (!f.error().isEmpty()) {
          out.put(f.name(), "error " + f.error());
        } else if (!f.answeredAtEnd()) {
          out.put(f.name(), "no answer in its last second");
        } else if (seen.size() != 1) {
          out.put(f.name(), "seen outside from " + (seen.isEmpty() ? "nowhere" : seen));
        } else if (!seen.iterator().next().startsWith(floatingIp + ":")) {
          out.put(f.name(), "seen outside from " + seen + ", not " + floatingIp);
        } else if (f.tcp()
            && resets.stream().anyMatch(r -> r.endsWith(" " + seen.iterator().next()))) {
          out.put(f.name(), "reset");
        }
      }
      return out;
    }

    /**
     * The addresses other than {@code floatingIp} the listener saw any of these flows from: a pod's
     * own address or a node's (a source address breach).
     */
    public Set<String> foreignSources(String floatingIp) {
      Set<String> out = new java.util.TreeSet<>();
      sources
          .values()
          .forEach(
              s ->
                  s.stream()
                      .map(a -> a.substring(0, a.lastIndexOf(':')))
                      .filter(a -> !a.equals(floatingIp))
                      .forEach(out::add));
      return out;
    }

    public long maxStallMillis() {
      return flows.stream().mapToLong(Flow::maxGapMs).max().orElse(-1);
    }

    /** Stall percentiles, for a report. */
    public String stalls() {
      List<Long> gaps = new ArrayList<>();
      flows.forEach(f -> gaps.add(f.maxGapMs()));
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
  }

  private static String script(String name) {
    try (InputStream in = LabFlows.class.getResourceAsStream("/flows/" + name)) {
      if (in == null) {
        throw new IllegalStateException("resource flows/" + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
