package io.egressgw.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.dataplane.ReplicationBatch;
import io.egressgw.dataplane.SnatPortAllocation;
import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a node's dataplane without the controller, in the network namespace the process runs in:
 * {@code ip netns exec egw-x-n1 java -cp ... io.egressgw.agent.DataplaneCli --uplink eth0 --pin-dir
 * /tmp/egw-bpffs-x/n1 [--node-ip IP] [--pod-prefix P] [--program file.json] [--stdin]}.
 *
 * <p>Prints one JSON line per event on stdout: {@code {"event":"ready",...}} once the dataplane is
 * open, {@code {"event":"applied",...}} per program applied, {@code {"event":"report",...}} for the
 * stdin command {@code report}, {@code {"event":"error",...}} on failure. With --stdin it reads
 * commands, one per line: a NodeProgram as JSON, {@code report}, {@code metrics} (the SNAT meters,
 * read from conntrack now), {@code release} (floating IPs only), {@code confirm} (as a heartbeat
 * answer naming the applied generation: lapsed floating IPs are taken again), {@code unanswered MS}
 * (as a heartbeat sent MS milliseconds ago that no controller answered: lapsed, unclaimed floating
 * IPs are taken again), {@code reclaim IP[,IP]} (as a heartbeat answer asking for them back:
 * yielded ones too), {@code standby IP[,IP]} (the IPs this node stands by for), {@code install
 * BATCH} (a {@link ReplicationBatch} as JSON, from a primary), {@code replication} (counts), or
 * {@code exit}; with {@code --replicate} it emits {@code {"event":"replicate",...}} batches of the
 * conntrack entries SNATed to the IPs it holds (see {@link ConntrackReplication}), and an apply
 * that gives it a new IP installs the replicated entries of that IP; {@code --lease-ms N} sets the
 * floating IP lease; {@code --capacities sources=N,routes=N,egresses=N,guard=N,excluded=N} (any of
 * them) sizes the maps as the agent's {@code egressgw.agent.dataplane.*-max} settings do, the
 * others keep their defaults. It attaches the classifier to a new pod interface on its link event
 * and checks every interface each second. End-to-end tests and the lab drive agents so.
 */
public final class DataplaneCli {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DataplaneCli() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--stdin") || a.equals("--replicate")) {
        opts.put(a.substring(2), "true");
      } else if (a.startsWith("--") && i + 1 < args.length) {
        opts.put(a.substring(2), args[++i]);
      } else {
        System.err.println(
            "usage: DataplaneCli --uplink IF --pin-dir DIR [--node-ip IP] [--pod-prefix P]"
                + " [--lease-ms N] [--snat-ports default|random|fully-random]"
                + " [--capacities sources=N,routes=N,...] [--program FILE] [--stdin]");
        System.exit(2);
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    DataplaneSetup settings =
        new DataplaneSetup(
            opts.getOrDefault("uplink", "eth0"),
            opts.getOrDefault("pin-dir", DataplaneSetup.DEFAULT_PIN_DIR),
            opts.get("node-ip"),
            opts.getOrDefault("pod-prefix", ""),
            capacities(opts.get("capacities")),
            opts.containsKey("lease-ms")
                ? java.time.Duration.ofMillis(Long.parseLong(opts.get("lease-ms")))
                : DataplaneSetup.DEFAULT_LEASE,
            SnatPortAllocation.valueOf(
                opts.getOrDefault("snat-ports", "default")
                    .toUpperCase(java.util.Locale.ROOT)
                    .replace('-', '_')));
    try (EbpfNodeDataplane dp = EbpfNodeDataplane.open(settings)) {
      emit(out, "ready", report(dp));
      if (opts.containsKey("program")) {
        apply(out, dp, Files.readString(Path.of(opts.get("program"))));
      }
      if (!opts.containsKey("stdin")) {
        return;
      }
      InterfaceWatcher watcher = InterfaceWatcher.start(dp);
      ConntrackReplication replication =
          new ConntrackReplication(
              () -> dp.installed().floatingIPs(), batch -> emit(out, "replicate", batch));
      // an IP taken gets the replicated flows installed first, before its address
      dp.beforeTakingFloatingIp(replication::takeOver);
      if (opts.containsKey("replicate")) {
        replication.start();
      }
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      SnatMetrics snat = new SnatMetrics(registry, dp::snatConnections, dp::conntrackFailures);
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "egw-interfaces");
                t.setDaemon(true);
                return t;
              });
      var unused =
          timer.scheduleWithFixedDelay(
              () -> {
                try {
                  dp.reconcileInterfaces();
                } catch (RuntimeException e) {
                  System.err.println("reconcile: " + e.getMessage());
                }
              },
              1,
              1,
              TimeUnit.SECONDS);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        line = line.trim();
        if (line.isEmpty()) {
          continue;
        }
        if (line.equals("exit")) {
          break;
        } else if (line.equals("report")) {
          emit(out, "report", report(dp));
        } else if (line.equals("confirm")) {
          emit(out, "confirmed", Map.of("taken", dp.confirmFloatingIPs(System.nanoTime())));
        } else if (line.startsWith("unanswered ")) {
          long sentMillisAgo = Long.parseLong(line.substring("unanswered ".length()).trim());
          long sentAt = System.nanoTime() - sentMillisAgo * 1_000_000L;
          emit(
              out,
              "kept",
              Map.of(
                  "taken", dp.keepFloatingIPsUnconfirmed(sentAt), "leaseLapses", dp.leaseLapses()));
        } else if (line.startsWith("reclaim ")) {
          List<String> ips = List.of(line.substring("reclaim ".length()).trim().split(","));
          emit(out, "reclaimed", Map.of("taken", dp.reclaimFloatingIPs(ips, System.nanoTime())));
        } else if (line.equals("metrics")) {
          try {
            snat.refresh();
            emit(out, "metrics", meters(registry));
          } catch (RuntimeException e) {
            emit(out, "error", Map.of("message", String.valueOf(e.getMessage())));
          }
        } else if (line.startsWith("standby ")) {
          Set<Integer> ips = new TreeSet<>();
          for (String ip : line.substring(8).trim().split(",")) {
            ips.add(Ipv4.parseOrThrow(ip.trim()));
          }
          replication.standbyFor(ips);
          emit(out, "standby", Map.of("ips", line.substring(8).trim()));
        } else if (line.startsWith("install ")) {
          try {
            ReplicationBatch batch = JSON.readValue(line.substring(8), ReplicationBatch.class);
            int n = replication.accept(batch);
            emit(
                out, "installed", Map.of("installed", n, "lagMillis", replication.lastLagMillis()));
          } catch (Exception e) {
            emit(out, "error", Map.of("message", String.valueOf(e.getMessage())));
          }
        } else if (line.equals("replication")) {
          emit(
              out,
              "replication",
              Map.of(
                  "sent", replication.sentEntries(),
                  "installed", replication.installedEntries(),
                  "refused", replication.refusedEntries(),
                  "replicated", replication.replicatedEntries(),
                  "replaced", replication.replacedEntries(),
                  "failed", replication.failedInstalls(),
                  "unreplicatedAtTakeover", replication.unreplicatedAtTakeover(),
                  "lostEvents", replication.lostEvents(),
                  "dumps", replication.dumpsSent()));
        } else if (line.equals("release")) {
          dp.releaseFloatingIPs();
          emit(out, "released", report(dp));
        } else {
          apply(out, dp, line);
        }
      }
      replication.close();
      timer.shutdownNow();
      watcher.close();
    } catch (RuntimeException e) {
      emit(out, "error", Map.of("message", String.valueOf(e.getMessage())));
      System.exit(1);
    }
  }

  /** The map capacities of {@code spec} ({@code name=N,...}; null: the defaults). */
  static DataplaneObject.Capacities capacities(String spec) {
    DataplaneObject.Capacities d = DataplaneObject.Capacities.defaults();
    Map<String, Integer> set = new LinkedHashMap<>();
    if (spec != null && !spec.isBlank()) {
      for (String pair : spec.split(",")) {
        String[] kv = pair.trim().split("=", 2);
        if (kv.length != 2
            || !Set.of("sources", "routes", "egresses", "guard", "excluded").contains(kv[0])) {
          throw new IllegalArgumentException("--capacities: not name=N: " + pair);
        }
        set.put(kv[0], Integer.parseInt(kv[1].trim()));
      }
    }
    return new DataplaneObject.Capacities(
        set.getOrDefault("sources", d.sources()),
        set.getOrDefault("routes", d.routes()),
        set.getOrDefault("egresses", d.egresses()),
        set.getOrDefault("guard", d.guard()),
        set.getOrDefault("excluded", d.excluded()));
  }

  private static void apply(PrintStream out, NodeDataplane dp, String json) {
    try {
      NodeProgram program = JSON.readValue(json, NodeProgram.class);
      ApplyResult r = dp.apply(program);
      emit(out, "applied", r);
    } catch (Exception e) {
      emit(out, "error", Map.of("message", String.valueOf(e.getMessage())));
    }
  }

  /**
   * The SNAT meters as the agent exports them, keyed {@code name{tag=value,...}}: what the agent's
   * /q/metrics would show, from the same code.
   */
  private static Map<String, Double> meters(SimpleMeterRegistry registry) {
    Map<String, Double> m = new TreeMap<>();
    for (Meter meter : registry.getMeters()) {
      String tags =
          meter.getId().getTags().stream()
              .map(t -> t.getKey() + "=" + t.getValue())
              .collect(Collectors.joining(",", "{", "}"));
      meter.measure().forEach(x -> m.put(meter.getId().getName() + tags, x.getValue()));
    }
    return m;
  }

  /**
   * What the agent's heartbeat would report (NodeReport, node "cli"), as a JSON object, plus {@code
   * leases}: the lease state of each floating IP held (LIVE, LAPSED, YIELDED).
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> report(EbpfNodeDataplane dp) {
    Map<String, Object> m =
        new LinkedHashMap<>(JSON.convertValue(dp.report("cli", "cli"), Map.class));
    Map<String, String> leases = new LinkedHashMap<>();
    dp.installed()
        .floatingIPs()
        .forEach(ip -> leases.put(Ipv4.format(ip), dp.leaseState(Ipv4.format(ip)).name()));
    m.put("leases", leases);
    return m;
  }

  private static void emit(PrintStream out, String event, Object body) {
    try {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("event", event);
      m.put("body", body);
      out.println(JSON.writeValueAsString(m));
    } catch (Exception e) {
      out.println("{\"event\":\"error\",\"body\":{\"message\":\"cannot encode output\"}}");
    }
  }
}
