package io.egressgw.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.agent.ApplyResult;
import io.egressgw.program.NodeProgram;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real agent process ({@link io.egressgw.agent.DataplaneCli}) running inside a node's network
 * namespace through {@code ip netns exec}, driven over its stdin/stdout line protocol.
 */
public final class AgentProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<JsonNode> replication = new LinkedBlockingQueue<>();
  private final OutputStream stdin;
  private final JsonNode ready;

  private AgentProcess(Process process) {
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  if (line.startsWith("{")) {
                    JsonNode e = JSON.readTree(line);
                    // batches a primary sends on its own go to their own queue
                    (e.path("event").asText().equals("replicate") ? replication : events).add(e);
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
            },
            "agent-stdout");
    reader.setDaemon(true);
    reader.start();
    this.ready = next(60);
    if (!"ready".equals(ready.path("event").asText())) {
      throw new IllegalStateException("agent did not start: " + ready);
    }
  }

  /** Starts an agent in netns with maps pinned under pinDir; returns once it reported ready. */
  public static AgentProcess start(NetnsLab lab, String netns, Path pinDir, Path log) {
    return start(lab, netns, pinDir, log, List.of());
  }

  /** The same, with more DataplaneCli options (e.g. {@code --replicate}). */
  public static AgentProcess start(
      NetnsLab lab, String netns, Path pinDir, Path log, List<String> options) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                netns,
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.egressgw.agent.DataplaneCli",
                "--uplink",
                "eth0",
                "--pin-dir",
                pinDir.toString(),
                "--stdin"));
    cmd.addAll(options);
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      lab.track(p);
      return new AgentProcess(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The "ready" event's body: state read back at start (appliedGeneration, nodeIP, subnets, ...).
   */
  public JsonNode readyReport() {
    return ready.path("body");
  }

  public ApplyResult apply(NodeProgram program) {
    JsonNode e = send(toJson(program));
    if (!"applied".equals(e.path("event").asText())) {
      throw new IllegalStateException("apply failed: " + e);
    }
    try {
      return JSON.treeToValue(e.path("body"), ApplyResult.class);
    } catch (IOException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** The next conntrack batch this agent sent as primary, or null after seconds. */
  public JsonNode nextReplication(int seconds) {
    try {
      JsonNode e = replication.poll(seconds, TimeUnit.SECONDS);
      return e == null ? null : e.path("body");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Hands this agent a primary's batch; answers {installed, lagMillis}. */
  public JsonNode install(JsonNode batch) {
    return send("install " + batch).path("body");
  }

  /** The agent's process id (benchmarks read its memory). */
  public long pid() {
    return process.pid();
  }

  /** Tells this agent which floating IPs it stands by for. */
  public void standby(String ips) {
    send("standby " + ips);
  }

  /** Replication counts: sent, installed, refused, replicated. */
  public JsonNode replication() {
    return send("replication").path("body");
  }

  public JsonNode report() {
    return send("report").path("body");
  }

  /**
   * The agent's SNAT meters, keyed {@code name{tag=value}} (see DataplaneCli), read from conntrack
   * now.
   */
  public JsonNode metrics() {
    JsonNode e = send("metrics");
    if (!"metrics".equals(e.path("event").asText())) {
      throw new IllegalStateException("metrics failed: " + e);
    }
    return e.path("body");
  }

  /**
   * What a heartbeat answer naming the applied generation does: floating IPs whose lease lapsed are
   * taken again. Returns the IPs taken.
   */
  public JsonNode confirm() {
    return send("confirm").path("body").path("taken");
  }

  /**
   * What a heartbeat sent {@code sentMillisAgo} ms ago that no controller answered does: floating
   * IPs whose lease lapsed before it was sent, and that no other host claimed, are taken again.
   * Returns the agent's answer: {@code taken} (the IPs) and {@code leaseLapses} (its count so far).
   */
  public JsonNode unanswered(long sentMillisAgo) {
    return send("unanswered " + sentMillisAgo).path("body");
  }

  /**
   * What a heartbeat answer naming {@code ip} in {@code reclaim} does: the node takes the IP again
   * if its applied program lists it; returns the IPs taken.
   */
  public JsonNode reclaim(String ip) {
    return send("reclaim " + ip).path("body").path("taken");
  }

  /** SIGSTOP / SIGCONT: a paused process (a long GC pause, a frozen container). */
  public void pause(boolean paused) {
    Sh.must("kill", paused ? "-STOP" : "-CONT", Long.toString(process.pid()));
  }

  private static String toJson(NodeProgram program) {
    try {
      return JSON.writeValueAsString(program);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private synchronized JsonNode send(String line) {
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new IllegalStateException("agent is gone", e);
    }
    return next(30);
  }

  private JsonNode next(int seconds) {
    try {
      JsonNode e = events.poll(seconds, TimeUnit.SECONDS);
      if (e == null) {
        throw new IllegalStateException(
            "no answer from the agent within " + seconds + " s (alive: " + process.isAlive() + ")");
      }
      return e;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ex);
    }
  }

  /** Kills the process abruptly (SIGKILL), as a crash would. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      stdin.write("exit\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException ignored) {
      // fall through to kill
    }
    kill();
  }
}
