package io.egressgw.netns;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conntrack replication end to end, measured (issue 13; not part of the test suite: run
 * src/test/bench/replication-lag-bench.sh as root). A pod on node 1 opens RATE new UDP flows per
 * second to the outside for SECONDS (flowgen: one datagram per flow, distinct ports, paced); node
 * 1's agent holds the floating IP, SNATs them (the real program and nft) and replicates the
 * kernel's conntrack events (the real {@code ConntrackReplication} primary, {@code --replicate});
 * the harness carries each batch to node 2's agent, the standby, as the controller's relay does
 * (one JSON batch, stdio instead of HTTPS), which installs it in its namespace's conntrack table.
 * Per flow, lag = installed on the standby (the standby answered the batch) minus the flow's first
 * datagram sent (flowgen's clock; an upper bound of event-to-installed, since it includes the
 * primary's kernel path before the event). Prints Markdown: flows sent and achieved rate, lag
 * p50/p90/p99/max, flows installed (not installed), installs per second, lost events (ENOBUFS),
 * full dumps, batches, peak RSS of both agents, kernel entries on the standby.
 *
 * <p>Arguments: RATE (default 10000), SECONDS (10), FLOWGEN (path of the compiled flowgen).
 */
public final class ReplicationLagBench {
  static final String FLOATING_IP = "10.77.0.100";
  static final int EGRESS_ID = 13;
  static final int SPORT = 10_000;
  static final int SPORTS = 50_000;
  static final int DPORT = 9000;

  private ReplicationLagBench() {}

  /** What one run measured. */
  public record Result(
      long flows,
      double sendSeconds,
      double sentRate,
      long installed,
      long notInstalled,
      List<Long> lagMicrosSorted,
      double installsPerSecond,
      long batches,
      JsonNode primaryCounts,
      JsonNode standbyCounts,
      long primaryRssPeakKiB,
      long standbyRssPeakKiB,
      long primaryRssBeforeKiB,
      long standbyRssBeforeKiB,
      String standbyKernelEntries) {
    public long lagMicros(int percentile) {
      if (lagMicrosSorted.isEmpty()) {
        return -1;
      }
      int i = (int) Math.ceil(lagMicrosSorted.size() * percentile / 100.0) - 1;
      return lagMicrosSorted.get(Math.max(0, Math.min(lagMicrosSorted.size() - 1, i)));
    }

    public long maxLagMicros() {
      return lagMicrosSorted.isEmpty() ? -1 : lagMicrosSorted.get(lagMicrosSorted.size() - 1);
    }
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String flowgen = args.length > 2 ? args[2] : "target/flowgen";
    Result r = run(rate, seconds, flowgen);
    System.out.println(
        "| rate asked | flows sent | achieved | lag p50 | p90 | p99 | max | installed (missing)"
            + " | installs/s | lost events | dumps | batches | RSS primary | RSS standby"
            + " | standby kernel entries |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    System.out.println(row(rate, r));
    System.out.println();
    System.out.println("primary counts: " + r.primaryCounts());
    System.out.println("standby counts: " + r.standbyCounts());
  }

  static String row(int rate, Result r) {
    return String.format(
        Locale.ROOT,
        "| %,d/s | %,d in %.2f s | %,.0f/s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %,d (%,d)"
            + " | %,.0f | %d | %d | %,d | %,d -> %,d KiB | %,d -> %,d KiB | %s |",
        rate,
        r.flows(),
        r.sendSeconds(),
        r.sentRate(),
        r.lagMicros(50) / 1000.0,
        r.lagMicros(90) / 1000.0,
        r.lagMicros(99) / 1000.0,
        r.maxLagMicros() / 1000.0,
        r.installed(),
        r.notInstalled(),
        r.installsPerSecond(),
        r.primaryCounts().path("lostEvents").asLong(),
        r.primaryCounts().path("dumps").asLong(),
        r.batches(),
        r.primaryRssBeforeKiB(),
        r.primaryRssPeakKiB(),
        r.standbyRssBeforeKiB(),
        r.standbyRssPeakKiB(),
        r.standbyKernelEntries());
  }

  /** One run: RATE new flows per second for SECONDS through node 1, replicated to node 2. */
  public static Result run(int rate, int seconds, String flowgen) throws Exception {
    long count = (long) rate * seconds;
    if (count > (long) SPORTS * 20) {
      throw new IllegalArgumentException("at most " + SPORTS * 20 + " flows");
    }
    try (NetnsLab lab = NetnsLab.start(2)) {
      Path logs = Files.createDirectories(Path.of("target", "bench-logs", lab.runId()));
      NetnsLab.Pod pod = lab.addPod(1, "pa");
      AgentProcess primary =
          AgentProcess.start(
              lab,
              lab.node(1),
              lab.pinDir(1),
              logs.resolve("agent-n1.log"),
              List.of("--replicate"));
      AgentProcess standby =
          AgentProcess.start(
              lab,
              lab.node(2),
              lab.pinDir(2),
              logs.resolve("agent-n2.log"),
              List.of("--replicate"));
      primary.apply(program(1, pod.ip(), 2));
      standby.apply(program(2, pod.ip(), 2));
      standby.standby(FLOATING_IP);
      // (source port, destination port) -> nanos (epoch) the standby answered its batch
      Map<Long, Long> installedAt = new HashMap<>();
      // (source port, destination port) -> millis (epoch) the primary sent its batch
      Map<Long, Long> batchedAt = new HashMap<>();
      AtomicLong batches = new AtomicLong();
      AtomicLong lastInstall = new AtomicLong();
      AtomicLong firstInstall = new AtomicLong();
      Thread relay =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  JsonNode batch = primary.nextReplication(1);
                  if (batch == null) {
                    continue;
                  }
                  standby.install(batch);
                  Instant now = Instant.now();
                  long t = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                  batches.incrementAndGet();
                  firstInstall.compareAndSet(0, t);
                  lastInstall.set(t);
                  synchronized (installedAt) {
                    for (JsonNode e : batch.path("upserts")) {
                      long k = key(e.path("sourcePort").asInt(), e.path("destinationPort").asInt());
                      installedAt.putIfAbsent(k, t);
                      batchedAt.putIfAbsent(k, batch.path("sentAtMillis").asLong());
                    }
                  }
                }
              },
              "relay");
      relay.setDaemon(true);
      relay.start();
      long primaryRss0 = ReplicationBench.rssKiB(primary.pid());
      long standbyRss0 = ReplicationBench.rssKiB(standby.pid());
      long[] peak = {primaryRss0, standbyRss0};
      Thread sampler =
          new Thread(
              () -> {
                try {
                  while (!Thread.currentThread().isInterrupted()) {
                    peak[0] = Math.max(peak[0], ReplicationBench.rssKiB(primary.pid()));
                    peak[1] = Math.max(peak[1], ReplicationBench.rssKiB(standby.pid()));
                    Thread.sleep(100);
                  }
                } catch (Exception e) {
                  // interrupted: done
                }
              },
              "rss");
      sampler.setDaemon(true);
      sampler.start();

      Path sentLog = logs.resolve("flowgen.txt").toAbsolutePath();
      Process gen =
          new ProcessBuilder(
                  Sh.inNetns(
                      pod.netns(),
                      Path.of(flowgen).toAbsolutePath().toString(),
                      NetnsLab.EXT_IP,
                      String.valueOf(DPORT),
                      String.valueOf(SPORT),
                      String.valueOf(SPORTS),
                      String.valueOf(count),
                      String.valueOf(rate),
                      sentLog.toString()))
              .redirectError(ProcessBuilder.Redirect.appendTo(logs.resolve("flowgen.err").toFile()))
              .start();
      lab.track(gen);
      if (!gen.waitFor(seconds + 30L, TimeUnit.SECONDS) || gen.exitValue() != 0) {
        throw new IllegalStateException("flowgen failed; see " + logs.resolve("flowgen.err"));
      }
      String[] summary =
          new String(gen.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .trim()
              .split(" ");
      // the last batches: until every flow is installed, or 5 s without progress
      long seen = -1;
      long idleSince = System.nanoTime();
      while (System.nanoTime() - idleSince < 5_000_000_000L) {
        int n;
        synchronized (installedAt) {
          n = installedAt.size();
        }
        if (n >= count) {
          break;
        }
        if (n != seen) {
          seen = n;
          idleSince = System.nanoTime();
        }
        Thread.sleep(50);
      }
      relay.interrupt();
      relay.join(3000);
      System.err.println(
          "primary conntrack entries: "
              + Sh.run(
                      5,
                      Sh.inNetns(lab.node(1), "cat", "/proc/sys/net/netfilter/nf_conntrack_count"))
                  .output()
                  .strip()
              + "; node 1's link from the pod: "
              + Sh.run(5, Sh.inNetns(lab.node(1), "ip", "-s", "link", "show", "pa")).output()
              + "; conntrack stats: "
              + Sh.run(5, Sh.inNetns(lab.node(1), "cat", "/proc/net/stat/nf_conntrack")).output());
      sampler.interrupt();
      sampler.join(1000);

      List<Long> lags = new ArrayList<>();
      List<Long> primaryLags = new ArrayList<>();
      long missing = 0;
      for (String line : Files.readAllLines(sentLog)) {
        String[] f = line.split(" ");
        Long at;
        synchronized (installedAt) {
          at = installedAt.get(key(Integer.parseInt(f[0]), Integer.parseInt(f[1])));
        }
        if (at == null) {
          missing++;
        } else {
          lags.add((at - Long.parseLong(f[2])) / 1000);
          synchronized (installedAt) {
            primaryLags.add(
                batchedAt.get(key(Integer.parseInt(f[0]), Integer.parseInt(f[1]))) * 1000
                    - Long.parseLong(f[2]) / 1000);
          }
        }
      }
      lags.sort(null);
      primaryLags.sort(null);
      if (!primaryLags.isEmpty()) {
        System.err.printf(
            Locale.ROOT,
            "primary's part (flow sent -> its batch sent, ms clock): p50 %.1f ms, p99 %.1f ms,"
                + " max %.1f ms%n",
            primaryLags.get(primaryLags.size() / 2) / 1000.0,
            primaryLags.get(primaryLags.size() * 99 / 100) / 1000.0,
            primaryLags.get(primaryLags.size() - 1) / 1000.0);
      }
      List<Long> sorted = lags;
      double installSpan = (lastInstall.get() - firstInstall.get()) / 1e9;
      return new Result(
          Long.parseLong(summary[0]),
          Double.parseDouble(summary[1]),
          Double.parseDouble(summary[2]),
          sorted.size(),
          missing,
          sorted,
          installSpan > 0 ? sorted.size() / installSpan : 0,
          batches.get(),
          primary.replication(),
          standby.replication(),
          peak[0],
          peak[1],
          primaryRss0,
          standbyRss0,
          Sh.run(5, Sh.inNetns(lab.node(2), "cat", "/proc/sys/net/netfilter/nf_conntrack_count"))
              .output()
              .strip());
    }
  }

  static long key(int sourcePort, int destinationPort) {
    return (long) sourcePort << 16 | destinationPort;
  }

  static NodeProgram program(int node, String podIp, long generation) {
    return new NodeProgram(
        "node" + node,
        generation,
        Map.of(podIp, 1),
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(EGRESS_ID, "bench", FLOATING_IP, "node1", NetnsLab.nodeIp(1))),
        node == 1 ? List.of(FLOATING_IP) : List.of());
  }
}
