package io.egressgw.dataplane;

/**
 * One SNATed IPv4 conntrack entry as replication carries it: the flow's original tuple (the pod's),
 * the source NAT binding (the floating IP and port its packets leave with), and what the kernel
 * needs to carry the flow on without having seen it start: status bits, remaining timeout, the
 * conntrack mark (its {@link FlowClass}) and, for TCP, the state and window scales.
 *
 * @param protocol IPPROTO_TCP (6) or IPPROTO_UDP (17)
 * @param source original source address (the pod), as {@link io.egressgw.net.Ipv4} holds it
 * @param destination original destination address
 * @param sourcePort original source port
 * @param destinationPort original destination port
 * @param natAddress the address the flow is SNATed to (its reply tuple's destination)
 * @param natPort the port the flow is SNATed to (its reply tuple's destination port)
 * @param status conntrack status bits (IPS_*)
 * @param timeoutSeconds seconds until the entry expires on the node that sent it
 * @param mark the conntrack mark
 * @param tcpState TCP conntrack state (TCP_CONNTRACK_*), -1 for UDP
 * @param tcpWscaleOriginal window scale of the original direction, -1 when unknown
 * @param tcpWscaleReply window scale of the reply direction, -1 when unknown
 */
public record ConntrackEntry(
    int protocol,
    int source,
    int destination,
    int sourcePort,
    int destinationPort,
    int natAddress,
    int natPort,
    int status,
    int timeoutSeconds,
    int mark,
    int tcpState,
    int tcpWscaleOriginal,
    int tcpWscaleReply) {

  public static final int TCP = 6;
  public static final int UDP = 17;

  /** The original tuple: what identifies the flow on every node. */
  public record Key(
      int protocol, int source, int destination, int sourcePort, int destinationPort) {}

  public Key key() {
    return new Key(protocol, source, destination, sourcePort, destinationPort);
  }

  /** Whether the entry is SNATed to address, and is not a connection to address itself. */
  public boolean snatedTo(int address) {
    return natAddress == address && source != address;
  }
}
