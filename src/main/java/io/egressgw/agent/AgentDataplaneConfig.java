package io.egressgw.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** The node agent's dataplane settings ({@code egressgw.agent.dataplane.*}); used when egressgw.role=agent. */
@ConfigMapping(prefix = "egressgw.agent.dataplane")
public interface AgentDataplaneConfig {

  /** The interface on the nodes' shared L2 segment: floating IPs live here, steered traffic leaves here. */
  @WithDefault("eth0")
  String uplink();

  /** Directory on a bpffs where the BPF maps are pinned; keeps state across agent restarts. */
  @WithDefault(DataplaneSettings.DEFAULT_PIN_DIR)
  String pinDir();

  /** This node's address on the uplink; default: the uplink's first IPv4 address. */
  Optional<String> nodeIp();

  /** Name prefix of pod interfaces (e.g. "cali", "lxc"); default: every veth except the uplink. */
  Optional<String> podInterfacePrefix();

  /** Capacity of the sources map (pods selected here plus remote pods SNATed here). */
  @WithDefault("131072")
  int sourcesMax();

  /** Capacity of the routes map ((rule set, prefix) pairs). */
  @WithDefault("1000000")
  int routesMax();

  /** Capacity of the egresses map. */
  @WithDefault("65536")
  int egressesMax();
}
