package io.egressgw.lab;

import io.egressgw.lab.LabInvariants.ArpSample;
import io.egressgw.lab.LabInvariants.ProbeSample;
import io.egressgw.lab.LabPlan.LabPod;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos harness's monitors, running for the whole run while faults come and go: one {@link
 * LabProber} per probed pod (a TCP exchange with the echo service every few tens of milliseconds)
 * and an ARP watch in the outside router's namespace that asks, over and over, who has each
 * floating IP and records every MAC that answers. Both only record; {@link LabInvariants} judges.
 *
 * <p>Bounded: probers stop after {@code maxRun} (and when this process closes their stdin), the ARP
 * watch after {@code maxRun} or {@link #close()}, each arping after 2 s.
 */
final class LabMonitors implements AutoCloseable {
  private static final Pattern MAC =
      Pattern.compile("\\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\\b", Pattern.CASE_INSENSITIVE);

  private final List<ProbeSample> probes = Collections.synchronizedList(new ArrayList<>());
  private final List<ArpSample> arp = Collections.synchronizedList(new ArrayList<>());
  private final List<Process> probers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();

  /**
   * Starts the monitors.
   *
   * @param lab the running lab
   * @param pods the selected pods to probe
   * @param floatingIPs the floating IPs to watch ARP for
   * @param probeInterval pause between two probes of one pod
   * @param arpInterval pause between two rounds of ARP requests
   * @param maxRun after this long every monitor stops by itself
   */
  static LabMonitors start(
      Lab lab,
      List<LabPod> pods,
      List<String> floatingIPs,
      Duration probeInterval,
      Duration arpInterval,
      Duration maxRun)
      throws IOException {
    LabMonitors m = new LabMonitors();
    for (LabPod pod : pods) {
      m.startProber(lab, pod, probeInterval, maxRun);
    }
    m.startArpWatch(lab.plan(), floatingIPs, arpInterval, maxRun);
    return m;
  }

  private void startProber(Lab lab, LabPod pod, Duration interval, Duration maxRun)
      throws IOException {
    LabPlan plan = lab.plan();
    String name = pod.namespace() + "/" + pod.name();
    Process p =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                pod.netns(),
                "java",
                "-Xmx32m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                lab.appJar().getParent().resolve("app").resolve("*").toString(),
                LabProber.class.getName(),
                plan.externalIP(),
                String.valueOf(plan.externalPort()),
                String.valueOf(interval.toMillis()),
                "300",
                String.valueOf(maxRun.toSeconds() * 1000 / Math.max(1, interval.toMillis())),
                String.valueOf(maxRun.toSeconds()))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    probers.add(p);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  String[] parts = line.trim().split(" ", 2);
                  if (parts.length == 2) {
                    probes.add(new ProbeSample(Long.parseLong(parts[0]), name, parts[1]));
                  }
                }
              } catch (IOException | NumberFormatException e) {
                // the prober ended; its samples so far stand
              }
            },
            "prober-" + name);
    reader.setDaemon(true);
    reader.start();
    threads.add(reader);
  }

  private void startArpWatch(
      LabPlan plan, List<String> floatingIPs, Duration interval, Duration maxRun) {
    long deadline = System.nanoTime() + maxRun.toNanos();
    for (String ip : floatingIPs) {
      Thread t =
          new Thread(
              () -> {
                while (!stop.get() && System.nanoTime() < deadline) {
                  ask(plan, ip);
                  sleep(interval);
                }
              },
              "arp-" + ip);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /**
   * One ARP request for the IP from the router's segment interface, broadcast like the router's
   * own; every MAC that answers within 300 ms is recorded. A request that could not be sent (the
   * tool failed or timed out) records nothing rather than "no owner".
   */
  private void ask(LabPlan plan, String ip) {
    long sent = System.nanoTime();
    Shell.Result r =
        Shell.run(
            Duration.ofSeconds(2),
            "",
            List.of(
                "ip",
                "netns",
                "exec",
                plan.extNetns(),
                "arping",
                "-r",
                "-d",
                "-c",
                "1",
                "-w",
                "0.3",
                "-i",
                "eth0",
                ip));
    // arping exits 1 both for "no reply" and for "replies from two MACs" (-d); other codes and
    // time-outs mean the request itself failed.
    if (r.exitCode() != 0 && r.exitCode() != 1) {
      return;
    }
    Set<String> macs = new TreeSet<>();
    Matcher m = MAC.matcher(r.out());
    while (m.find()) {
      macs.add(m.group(1).toLowerCase(Locale.ROOT));
    }
    arp.add(new ArpSample(sent, ip, Set.copyOf(macs)));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  List<ProbeSample> probes() {
    synchronized (probes) {
      return List.copyOf(probes);
    }
  }

  List<ArpSample> arp() {
    synchronized (arp) {
      return List.copyOf(arp);
    }
  }

  @Override
  public void close() {
    stop.set(true);
    for (Process p : probers) {
      try {
        p.getOutputStream().close();
      } catch (IOException e) {
        // it is being destroyed anyway
      }
      p.destroy();
    }
    for (Thread t : threads) {
      try {
        t.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    probers.forEach(Process::destroyForcibly);
  }
}
