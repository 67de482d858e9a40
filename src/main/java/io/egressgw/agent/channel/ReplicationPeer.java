package io.egressgw.agent.channel;

import java.util.List;

/**
 * What the channel hands to the node's conntrack replication (issue 13): the controller's requests
 * for full dumps of IPs this node holds, and the batches the relay delivers for IPs it stands by
 * for. Both are called off the event loop.
 */
public interface ReplicationPeer {
  /** The heartbeat answer named held floating IPs whose standby lacks their state. */
  void resync(List<String> floatingIPs);

  /** A JSON array of batches the relay delivered (oldest first); installs them before returning. */
  void received(byte[] batches);
}
