package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneObject;

/**
 * How the dataplane of this node is set up.
 *
 * @param uplink the interface on the nodes' shared L2 segment (floating IPs, steering)
 * @param pinDir directory on a bpffs where the maps are pinned (default /sys/fs/bpf/egressgw)
 * @param nodeIP this node's address on the uplink, or null to take the uplink's first address
 * @param podInterfacePrefix name prefix of pod interfaces; empty: every veth except the uplink
 * @param capacities BPF map sizes
 */
public record DataplaneSetup(
    String uplink,
    String pinDir,
    String nodeIP,
    String podInterfacePrefix,
    DataplaneObject.Capacities capacities) {

  public static final String DEFAULT_PIN_DIR = "/sys/fs/bpf/egressgw";

  public static DataplaneSetup of(String uplink, String pinDir) {
    return new DataplaneSetup(uplink, pinDir, null, "", DataplaneObject.Capacities.defaults());
  }

  /** Floating IPs carry this address label so that a restarted agent recognises them. */
  public String floatingLabel() {
    String base = uplink.length() > 11 ? uplink.substring(0, 11) : uplink;
    return base + ":egw";
  }
}
