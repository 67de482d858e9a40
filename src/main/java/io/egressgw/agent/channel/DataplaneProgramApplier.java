package io.egressgw.agent.channel;

import io.egressgw.agent.AgentReplicationSettings;
import io.egressgw.agent.ConntrackReplication;
import io.egressgw.agent.NodeDataplane;
import io.egressgw.dataplane.CapacityExceededException;
import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.program.ProgramDelta;
import io.egressgw.role.ProcessRole;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/** The channel's {@link ProgramApplier} on a real node: the dataplane's {@link NodeDataplane}. */
public final class DataplaneProgramApplier implements ProgramApplier {
  private static final Logger LOG = Logger.getLogger(DataplaneProgramApplier.class);

  private final NodeDataplane dataplane;
  private final String node;
  private final ConntrackReplication replication;
  private volatile Set<Integer> held = Set.of();
  private volatile long overCapacityGeneration = -1;
  private volatile RuntimeException overCapacity;

  public DataplaneProgramApplier(NodeDataplane dataplane, String node) {
    this(dataplane, node, false);
  }

  /**
   * @param replicate whether the node replicates conntrack state ({@link #replication()})
   */
  public DataplaneProgramApplier(NodeDataplane dataplane, String node, boolean replicate) {
    this.dataplane = dataplane;
    this.node = node;
    this.replication = replicate ? new ConntrackReplication(() -> held, batch -> {}) : null;
    if (replication != null) {
      // an IP it did not hold gets its replicated flows installed before it is announced
      dataplane.beforeTakingFloatingIp(replication::takeOver);
    }
  }

  /** The node's conntrack replication, null when switched off. */
  public ConntrackReplication replication() {
    return replication;
  }

  /**
   * After an apply: the IPs this node stands by for are the program's (the controller's signed
   * word). (An IP it did not hold before got the replicated entries of its flows installed during
   * the apply, before its address: see the constructor.)
   */
  private void replicationAfter(NodeProgram program) {
    held = ints(program.floatingIPs());
    if (replication == null) {
      return;
    }
    replication.standbyFor(ints(program.standbyFor()));
  }

  static Set<Integer> ints(List<String> ips) {
    Set<Integer> out = new TreeSet<>();
    for (String ip : ips) {
      out.add(Ipv4.parseOrThrow(ip));
    }
    return Set.copyOf(out);
  }

  @Override
  public List<String> replicaReady() {
    if (replication == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    replication.readyFor().forEach(ip -> out.add(Ipv4.format(ip)));
    return out;
  }

  @Override
  public void apply(NodeProgram program) {
    apply(program, null);
  }

  @Override
  public void apply(NodeProgram program, ProgramDelta delta) {
    // a program over capacity stays over capacity: the same generation is not tried again (no
    // dump, no writes, no log line per retry) until the controller sends a new one
    if (program.generation() == overCapacityGeneration && overCapacity != null) {
      throw overCapacity;
    }
    try {
      dataplane.apply(program, delta);
    } catch (CapacityExceededException e) {
      overCapacityGeneration = program.generation();
      overCapacity = e;
      LOG.warnf("program of %s not applied, kept the last one: %s", node, e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      LOG.warnf(
          "program of %s generation %d failed: %s", node, program.generation(), e.getMessage());
      throw e;
    }
    overCapacityGeneration = -1;
    overCapacity = null;
    replicationAfter(program);
  }

  @Override
  public long appliedGeneration() {
    return dataplane.appliedGeneration();
  }

  @Override
  public List<String> subnets() {
    return dataplane.subnets();
  }

  @Override
  public String nodeIP() {
    return dataplane.nodeIP();
  }

  @Override
  public List<String> heldFloatingIPs() {
    return dataplane.heldFloatingIPs();
  }

  @Override
  public Map<String, NodeReport.PolicyCounters> counters() {
    return dataplane.counters();
  }

  @Override
  public long guardDrops() {
    return dataplane.guardDrops();
  }

  @Override
  public Map<String, Long> drops() {
    return dataplane.drops();
  }

  @Override
  public String applyError() {
    return dataplane.applyError();
  }

  @Override
  public List<String> confirmFloatingIPs(long sentAtNanos) {
    List<String> taken = dataplane.confirmFloatingIPs(sentAtNanos);
    if (!taken.isEmpty()) {
      LOG.infof("controller confirmed %s: took %s again", node, taken);
    }
    return taken;
  }

  @Override
  public List<String> keepFloatingIPsUnconfirmed(long failedSentAtNanos) {
    List<String> taken = dataplane.keepFloatingIPsUnconfirmed(failedSentAtNanos);
    if (!taken.isEmpty()) {
      LOG.warnf(
          "no controller answers %s and nobody claimed %s since their leases lapsed: took them"
              + " again (fail static)",
          node, taken);
    }
    return taken;
  }

  @Override
  public List<String> reclaimFloatingIPs(List<String> ips, long sentAtNanos) {
    List<String> taken = dataplane.reclaimFloatingIPs(ips, sentAtNanos);
    if (!taken.isEmpty()) {
      LOG.infof("controller reasserted %s as holder: took %s again", node, taken);
    }
    return taken;
  }

  @Override
  public boolean uplinkUp() {
    return dataplane.uplinkUp();
  }

  @Override
  public Map<String, String> floatingIpClaims() {
    return dataplane.floatingIpClaims();
  }

  @Override
  public long leaseMillis() {
    return dataplane.leaseMillis();
  }

  /** Role agent: the applier over the node's dataplane. */
  @ApplicationScoped
  public static class Producer {
    @Produces
    @Singleton
    @LookupIfProperty(name = ProcessRole.PROPERTY, stringValue = ProcessRole.AGENT)
    ProgramApplier applier(
        NodeDataplane dataplane,
        AgentChannelSettings settings,
        AgentReplicationSettings replication) {
      String node =
          settings.nodeName().filter(s -> !s.isBlank()).orElseGet(() -> System.getenv("NODE_NAME"));
      return new DataplaneProgramApplier(dataplane, node, replication.enabled());
    }
  }
}
