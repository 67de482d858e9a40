package io.egressgw.controller;

import io.egressgw.agent.channel.AgentChannel;
import io.egressgw.agent.channel.AgentChannelClient;
import io.egressgw.agent.channel.ControllerEndpoint;
import io.egressgw.agent.channel.ProgramApplier;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.program.ProgramKeySet;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A node agent without a dataplane: the real {@link AgentChannelClient} over real HTTP (TCP or a
 * Unix socket), with an in-memory {@link ProgramApplier} that records what it was told to apply.
 */
public final class SimulatedAgent implements ProgramApplier {
  private final String node;
  private final String nodeIP;
  private final List<String> subnets;
  private final List<NodeProgram> applied = new CopyOnWriteArrayList<>();
  private final List<Long> appliedAtNanos = new CopyOnWriteArrayList<>();
  private volatile long appliedGeneration;
  private volatile List<String> held = List.of();
  private volatile int confirmations;
  private volatile Duration applyDelay = Duration.ZERO;
  private AgentChannelClient client;
  private Supplier<ProgramKeySet> trustedKeys;

  public SimulatedAgent(String node, String nodeIP, String subnet) {
    this.node = node;
    this.nodeIP = nodeIP;
    this.subnets = List.of(subnet);
  }

  /**
   * The generation pinned in this node's maps by a previous agent process (what the dataplane
   * reports after a restart); call before {@code start}.
   */
  public SimulatedAgent pinned(long generation) {
    appliedGeneration = generation;
    return this;
  }

  /**
   * Verifies programs against the published set {@code keys} (as a real agent does, which reads it
   * from the trust ConfigMap) instead of the single key given to {@code start}; call before it.
   */
  public SimulatedAgent trusting(Supplier<ProgramKeySet> keys) {
    this.trustedKeys = keys;
    return this;
  }

  /** Starts heartbeating and polling; token and key as the controller issued them to files. */
  public SimulatedAgent start(
      Vertx vertx, String controllerUrl, Path tokenDir, Path publicKeyFile) {
    return start(
        vertx,
        controllerUrl,
        AgentChannel.fileToken(tokenDir.resolve(node + ".token")),
        AgentChannel.publicKeyFile(publicKeyFile),
        Duration.ofMillis(100));
  }

  public SimulatedAgent start(
      Vertx vertx,
      String controllerUrl,
      Supplier<String> token,
      Supplier<PublicKey> key,
      Duration heartbeat) {
    return start(vertx, controllerUrl, token, key, heartbeat, null);
  }

  public SimulatedAgent start(
      Vertx vertx,
      String controllerUrl,
      Supplier<String> token,
      Supplier<PublicKey> key,
      Duration heartbeat,
      java.util.concurrent.ExecutorService shared) {
    return start(vertx, controllerUrl, token, key, heartbeat, shared, Clock.systemUTC());
  }

  /** As {@code start}, with {@code observer} told each heartbeat's status and round trip (ns). */
  public SimulatedAgent startObserved(
      Vertx vertx,
      String controllerUrl,
      Supplier<String> token,
      Supplier<PublicKey> key,
      Duration heartbeat,
      java.util.concurrent.ExecutorService shared,
      java.util.function.BiConsumer<Integer, Long> observer) {
    return start(vertx, controllerUrl, token, key, heartbeat, shared, Clock.systemUTC(), observer);
  }

  /** {@code clock}: what the client measures its silence on (a test may move it by hand). */
  public SimulatedAgent start(
      Vertx vertx,
      String controllerUrl,
      Supplier<String> token,
      Supplier<PublicKey> key,
      Duration heartbeat,
      java.util.concurrent.ExecutorService shared,
      Clock clock) {
    return start(vertx, controllerUrl, token, key, heartbeat, shared, clock, null);
  }

  private SimulatedAgent start(
      Vertx vertx,
      String controllerUrl,
      Supplier<String> token,
      Supplier<PublicKey> key,
      Duration heartbeat,
      java.util.concurrent.ExecutorService shared,
      Clock clock,
      java.util.function.BiConsumer<Integer, Long> observer) {
    client =
        new AgentChannelClient(
            vertx,
            ControllerEndpoint.parse(controllerUrl),
            node,
            token,
            key,
            this,
            heartbeat,
            Duration.ofSeconds(40),
            clock,
            null,
            shared);
    if (trustedKeys != null) {
      client.trustingKeys(trustedKeys);
    }
    if (observer != null) {
      client.observeHeartbeats(observer);
    }
    client.start();
    return this;
  }

  /** The agent process dies: no more heartbeats or polls (the node keeps what it had). */
  public void kill() {
    if (client != null) {
      client.stop();
    }
  }

  public AgentChannelClient client() {
    return client;
  }

  public List<NodeProgram> applied() {
    return applied;
  }

  public NodeProgram last() {
    return applied.isEmpty() ? null : applied.get(applied.size() - 1);
  }

  /** System.nanoTime() of each apply, in the order of {@link #applied()}. */
  public List<Long> appliedAtNanos() {
    return appliedAtNanos;
  }

  /** Every apply from now on takes this long, on the agent's applier thread. */
  public SimulatedAgent slowApplies(Duration delay) {
    this.applyDelay = delay;
    return this;
  }

  /** Heartbeat answers that named the applied generation (each confirms the program). */
  public int confirmations() {
    return confirmations;
  }

  @Override
  public void apply(NodeProgram program) {
    if (applyDelay.toMillis() > 0) {
      try {
        Thread.sleep(applyDelay.toMillis()); // a slow apply (e.g. waiting for a neighbour)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    applied.add(program);
    appliedAtNanos.add(System.nanoTime());
    held = program.floatingIPs();
    appliedGeneration = program.generation();
  }

  @Override
  public long appliedGeneration() {
    return appliedGeneration;
  }

  @Override
  public List<String> subnets() {
    return subnets;
  }

  @Override
  public String nodeIP() {
    return nodeIP;
  }

  @Override
  public List<String> heldFloatingIPs() {
    return held;
  }

  @Override
  public Map<String, NodeReport.PolicyCounters> counters() {
    return Map.of();
  }

  /** The IPs of every reclaim the controller asked for, in order. */
  private final List<String> reclaimed = new java.util.concurrent.CopyOnWriteArrayList<>();

  public List<String> reclaimed() {
    return List.copyOf(reclaimed);
  }

  @Override
  public List<String> reclaimFloatingIPs(List<String> ips, long sentAtNanos) {
    reclaimed.addAll(ips);
    return ips;
  }

  @Override
  @SuppressWarnings("NonAtomicVolatileUpdate") // written by the agent's applier thread only
  public List<String> confirmFloatingIPs(long sentAtNanos) {
    confirmations++;
    return List.of();
  }

  private volatile int unanswered;

  /** How many times the client said no controller answered a heartbeat (fail static's retake). */
  public int unanswered() {
    return unanswered;
  }

  @Override
  @SuppressWarnings("NonAtomicVolatileUpdate") // written by the agent's applier thread only
  public List<String> keepFloatingIPsUnconfirmed(long failedSentAtNanos) {
    unanswered++;
    return List.of();
  }
}
