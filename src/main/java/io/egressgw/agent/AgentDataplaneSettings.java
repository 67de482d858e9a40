package io.egressgw.agent;

import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.SnatPortAllocation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The node agent's dataplane settings ({@code egressgw.agent.dataplane.*}); used in role agent. Map
 * capacities default to the sizes in {@link MapLayouts} (checked against the shared C header by
 * SharedHeaderConstantsTest), the one source of those numbers.
 */
@ConfigMapping(prefix = "egressgw.agent.dataplane")
public interface AgentDataplaneSettings {

  /**
   * The interface on the nodes' shared L2 segment: floating IPs live here, steered traffic leaves
   * here.
   */
  @WithDefault("eth0")
  String uplink();

  /** Directory on a bpffs where the BPF maps are pinned; keeps state across agent restarts. */
  @WithDefault(DataplaneSetup.DEFAULT_PIN_DIR)
  String pinDir();

  /** This node's address on the uplink; default: the uplink's first IPv4 address. */
  Optional<String> nodeIp();

  /** Name prefix of pod interfaces (e.g. "cali", "lxc"); default: every veth except the uplink. */
  Optional<String> podInterfacePrefix();

  /** Capacity of the sources map (pods selected here plus remote pods SNATed here). */
  @WithDefault("" + MapLayouts.SOURCES_MAX)
  int sourcesMax();

  /** Capacity of the routes map ((rule set, prefix) pairs). */
  @WithDefault("" + MapLayouts.ROUTES_MAX)
  int routesMax();

  /** Capacity of the egresses map. */
  @WithDefault("" + MapLayouts.EGRESSES_MAX)
  int egressesMax();

  /** Capacity of the start-up guard map (the union of every policy's destination prefixes). */
  @WithDefault("" + MapLayouts.GUARD_MAX)
  int guardMax();

  /**
   * Capacity of the excluded destinations map (pod and service CIDRs, node addresses, the
   * operator's excluded CIDRs: about two per node).
   */
  @WithDefault("" + MapLayouts.EXCLUDED_MAX)
  int excludedMax();

  /**
   * How long this node may use its floating IPs after the agent last renewed their leases (every
   * fifth of it): a dead or paused agent's node falls silent for them this long after its last
   * renewal, and the controller declares a node Down only once this has surely passed. Shorter
   * means faster failover; a JVM pause longer than it silences the node's floating IPs until the
   * controller confirms them again.
   */
  @WithDefault("250ms")
  Duration leaseDuration();

  /**
   * How the source port of a flow SNATed to a floating IP is chosen: {@code default} (keep the
   * pod's port when free), {@code random} (search from a random offset) or {@code fully-random}
   * (every port random; the pod's port never shows outside). See {@link SnatPortAllocation}.
   */
  @WithDefault("default")
  SnatPortAllocation snatPortAllocation();
}
