package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabPlan.LabPod;
import io.egressgw.netns.RootRequirement;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Failover benchmark on the whole lab: real controller, real agents in node namespaces, real eBPF.
 * Each round fails the node holding the egress IP (agent killed, link cut, as {@code ./egw lab
 * fail} does) and heals it afterwards. Two figures per round:
 *
 * <ul>
 *   <li><b>pulse</b> (the "node death to a selected pod on another node seen outside with
 *       the egress IP"): the pod sends a UDP datagram every {@link #PULSE_MS} ms, each from a new
 *       socket (a new flow, as a new connection would be); the outside host logs each arrival with
 *       its CLOCK_MONOTONIC time and source. The figure is from the agent's kill (the first step of
 *       the fault: its heartbeats and lease renewals stop there; the link goes down a few ms later)
 *       to the datagram that ends the longest gap after it, which came from the egress IP: the new
 *       holder's first, to within the pulse interval;
 *   <li><b>tcp probe</b> (the earlier runs' figure, kept to compare): from the cut to the first
 *       successful TCP exchange of one socat process per attempt, each attempt waiting up to 300
 *       ms. An attempt whose SYN is lost waits that timeout out, so this figure is the pulse plus
 *       up to 300 ms and a process start.
 * </ul>
 *
 * Every datagram that arrives from another address than the egress IP counts as a wrong source.
 * LabE2E checks that traffic recovers; how fast is this figure (BENCHMARKS.md, "Failover in the
 * lab").
 *
 * <p>Root, and not in the suite (whose tiers are *Test, *IT and *E2E). Run with {@code flock
 * /tmp/egw-e2e.lock mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=LabFailoverBench}, optionally {@code -Dbench.rounds=N} (default 10).
 */
class LabFailoverBench {
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 10);

  static final int PULSE_MS = 5;
  static final int PULSE_PORT = 8124;

  @Test
  void failover() throws Exception {
    RootRequirement.check();
    Path dir = Files.createTempDirectory("egw-lab-bench");
    Lab lab = new Lab(dir, Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath());
    List<Long> pulseMs = new ArrayList<>();
    List<Long> tcpMs = new ArrayList<>();
    long wrongSources = 0;
    try {
      assertThat(lab.up()).as("lab up (logs in %s)", dir).isZero();
      for (int round = 0; round < ROUNDS; round++) {
        String holder = lab.floatingIPs().get(LabPlan.FLOATING_IP_1);
        LabPod pod =
            lab.plan().pods().stream()
                .filter(
                    p ->
                        lab.expectedSource(p).equals(LabPlan.FLOATING_IP_1)
                            && !p.node().equals(holder))
                .findFirst()
                .orElseThrow();
        Pulse pulse = Pulse.start(lab.plan(), pod);
        Lab.Failover f;
        try {
          // the pulse flows before the cut (an interpreter can take most of a second to start)
          pulse.awaitFirstArrival(Duration.ofSeconds(10));
          Thread.sleep(200);
          f = lab.failAndMeasure(holder);
          Thread.sleep(200);
        } finally {
          pulse.stop();
        }
        assertThat(f.recovery())
            .as("round %d: recovered (last seen %s)", round, f.lastSeen())
            .isPresent();
        Optional<Long> back = pulse.backAfter(LabPlan.FLOATING_IP_1, f.cutNanos());
        assertThat(back).as("round %d: the pulse came back with the egress IP", round).isPresent();
        pulseMs.add((back.get() - f.cutNanos()) / 1_000_000L);
        tcpMs.add(f.recovery().get().toMillis());
        wrongSources += pulse.notFrom(LabPlan.FLOATING_IP_1);
        assertThat(lab.heal(holder)).as("round %d: %s healed", round, holder).isZero();
      }
    } finally {
      lab.down();
    }
    System.out.printf(
        "%nLAB FAILOVER rounds=%d, pulse every %d ms, kill -> first datagram with the egress IP"
            + " again: %s; in order: %s%nwrong source datagrams: %d%ntcp probe (socat,"
            + " 300 ms attempts): %s; in order: %s%n",
        ROUNDS, PULSE_MS, summary(pulseMs), pulseMs, wrongSources, summary(tcpMs), tcpMs);
  }

  static String summary(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return String.format(
        "p50 %d ms, p90 %d ms, p99 %d ms, max %d ms, min %d ms",
        at(sorted, 0.50),
        at(sorted, 0.90),
        at(sorted, 0.99),
        sorted.get(sorted.size() - 1),
        sorted.get(0));
  }

  /** Nearest-rank percentile. */
  static long at(List<Long> sorted, double q) {
    return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * q) - 1));
  }

  /**
   * A UDP pulse from a pod to the outside host: a receiver in the outside host's namespace that
   * prints "monotonic-ns source" per datagram, and a sender in the pod's namespace, one new socket
   * per datagram. Both bounded (60 s) and stopped by the caller.
   */
  static final class Pulse {
    private final Process receiver;
    private final Process sender;
    private final List<long[]> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final List<String> sources = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    private Pulse(Process receiver, Process sender) {
      this.receiver = receiver;
      this.sender = sender;
      this.reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(
                            receiver.getInputStream(), StandardCharsets.US_ASCII))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    String[] parts = line.trim().split(" ");
                    if (parts.length == 2) {
                      synchronized (arrivals) {
                        arrivals.add(new long[] {Long.parseLong(parts[0])});
                        sources.add(parts[1]);
                      }
                    }
                  }
                } catch (java.io.IOException e) {
                  // the receiver ended
                }
              },
              "pulse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    static Pulse start(LabPlan plan, LabPod pod) throws Exception {
      String receive =
          "import socket, sys, time\n"
              + "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              + "u.bind(('"
              + plan.externalIP()
              + "', "
              + PULSE_PORT
              + "))\n"
              + "u.settimeout(1)\n"
              + "end = time.monotonic() + 60\n"
              + "while time.monotonic() < end:\n"
              + "  try:\n"
              + "    d, a = u.recvfrom(64)\n"
              + "  except socket.timeout:\n"
              + "    continue\n"
              + "  sys.stdout.write('%d %s\\n' % (time.monotonic_ns(), a[0]))\n"
              + "  sys.stdout.flush()\n";
      String send =
          "import socket, time\n"
              + "end = time.monotonic() + 60\n"
              + "while time.monotonic() < end:\n"
              + "  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              + "  try:\n"
              + "    s.sendto(b'pulse', ('"
              + plan.externalIP()
              + "', "
              + PULSE_PORT
              + "))\n"
              + "  except OSError:\n"
              + "    pass\n"
              + "  s.close()\n"
              + "  time.sleep("
              + PULSE_MS / 1000.0
              + ")\n";
      Process receiver =
          new ProcessBuilder("ip", "netns", "exec", plan.extNetns(), "python3", "-u", "-c", receive)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      Thread.sleep(300); // bound before the first datagram
      Process sender =
          new ProcessBuilder("ip", "netns", "exec", pod.netns(), "python3", "-c", send)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return new Pulse(receiver, sender);
    }

    /**
     * The first arrival from {@code source} that ends the longest gap between two consecutive
     * arrivals after {@code cutNanos}: the new holder's first datagram. (The holder forwards until
     * its link is down, a few ms after its agent was killed: the gap starts there.)
     */
    Optional<Long> backAfter(String source, long cutNanos) {
      synchronized (arrivals) {
        long longest = -1;
        Long back = null;
        for (int i = 0; i + 1 < arrivals.size(); i++) {
          long a = arrivals.get(i)[0];
          long b = arrivals.get(i + 1)[0];
          if (a >= cutNanos && sources.get(i + 1).equals(source) && b - a > longest) {
            longest = b - a;
            back = b;
          }
        }
        return Optional.ofNullable(back);
      }
    }

    /** Waits until a datagram arrived (bounded); fails the round when none did. */
    void awaitFirstArrival(Duration atMost) throws InterruptedException {
      long end = System.nanoTime() + atMost.toNanos();
      while (arrivals.isEmpty()) {
        if (System.nanoTime() > end) {
          throw new AssertionError("no pulse datagram arrived within " + atMost);
        }
        Thread.sleep(10);
      }
    }

    /** Arrivals from any other source. */
    long notFrom(String source) {
      synchronized (arrivals) {
        return sources.stream().filter(s -> !s.equals(source)).count();
      }
    }

    void stop() throws InterruptedException {
      sender.destroyForcibly().waitFor();
      Thread.sleep(100);
      receiver.destroyForcibly().waitFor();
      reader.join(1000);
    }
  }
}
