package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.dataplane.SnatPortAllocation;
import java.time.Duration;

/**
 * How the dataplane of this node is set up.
 *
 * @param uplink the interface on the nodes' shared L2 segment (floating IPs, steering)
 * @param pinDir directory on a bpffs where the maps are pinned (default /sys/fs/bpf/egressgw)
 * @param nodeIP this node's address on the uplink, or null to take the uplink's first address
 * @param podInterfacePrefix name prefix of pod interfaces; empty: every veth except the uplink
 * @param capacities BPF map sizes
 * @param leaseDuration how long a floating IP stays usable after the agent last renewed its lease
 *     (the agent renews every fifth of it); a dead or paused agent's node falls silent for its
 *     floating IPs this long after its last renewal (docs/ARCHITECTURE.md "Ownership")
 * @param snatPorts how the source ports of flows SNATed to a floating IP are chosen (null: the
 *     kernel's default)
 */
public record DataplaneSetup(
    String uplink,
    String pinDir,
    String nodeIP,
    String podInterfacePrefix,
    DataplaneObject.Capacities capacities,
    Duration leaseDuration,
    SnatPortAllocation snatPorts) {

  public static final String DEFAULT_PIN_DIR = "/sys/fs/bpf/egressgw";

  /** The default of {@code egressgw.agent.dataplane.lease-duration}. */
  public static final Duration DEFAULT_LEASE = Duration.ofMillis(250);

  public DataplaneSetup {
    if (leaseDuration == null || leaseDuration.toMillis() < 10) {
      throw new IllegalArgumentException("lease duration must be at least 10 ms: " + leaseDuration);
    }
    snatPorts = snatPorts == null ? SnatPortAllocation.DEFAULT : snatPorts;
  }

  /** With the kernel's default port allocation. */
  public DataplaneSetup(
      String uplink,
      String pinDir,
      String nodeIP,
      String podInterfacePrefix,
      DataplaneObject.Capacities capacities,
      Duration leaseDuration) {
    this(uplink, pinDir, nodeIP, podInterfacePrefix, capacities, leaseDuration, null);
  }

  /** With the default lease duration. */
  public DataplaneSetup(
      String uplink,
      String pinDir,
      String nodeIP,
      String podInterfacePrefix,
      DataplaneObject.Capacities capacities) {
    this(uplink, pinDir, nodeIP, podInterfacePrefix, capacities, DEFAULT_LEASE);
  }

  public static DataplaneSetup of(String uplink, String pinDir) {
    return new DataplaneSetup(uplink, pinDir, null, "", DataplaneObject.Capacities.defaults());
  }

  /** Floating IPs carry this address label so that a restarted agent recognises them. */
  public String floatingLabel() {
    String base = uplink.length() > 11 ? uplink.substring(0, 11) : uplink;
    return base + ":egw";
  }
}
