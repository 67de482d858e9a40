package io.egressgw.dataplane;

import io.egressgw.net.Ipv4;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Interfaces and IPv4 addresses of the current network namespace, read and written through
 * rtnetlink by libegressgw (no ip(8)). Gratuitous ARP goes out through an AF_PACKET socket.
 */
public final class Rtnetlink {
  private Rtnetlink() {}

  public static final int IFF_UP = 0x1;
  public static final int IFF_LOOPBACK = 0x8;
  public static final int IFF_RUNNING = 0x40;

  /**
   * One link: ifindex, name, rtnetlink kind ("veth", "bridge", ... or "-"), IFF_* flags, and
   * whether its peer lives in another network namespace (IFLA_LINK_NETNSID: a pod's veth, not a
   * pair of host-side devices such as a CNI's cilium_host / cilium_net).
   */
  public record Link(int index, String name, String kind, int flags, boolean peerElsewhere) {
    /** A link whose peer namespace is not known (as if elsewhere). */
    public Link(int index, String name, String kind, int flags) {
      this(index, name, kind, flags, true);
    }

    public boolean isLoopback() {
      return (flags & IFF_LOOPBACK) != 0;
    }

    /** Up and running: administratively up and with carrier (operationally up). */
    public boolean isRunning() {
      return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
    }

    /** Parses the fields of a libegressgw link line from offset on. */
    static Link parse(String[] f, int offset) {
      return new Link(
          Integer.parseInt(f[offset]),
          f[offset + 1],
          f[offset + 2],
          (int) Long.parseLong(f[offset + 3]),
          f.length <= offset + 4 || !f[offset + 4].equals("0"));
    }
  }

  /** One IPv4 address: its interface, label (the interface name unless set), address, prefix. */
  public record Address(int ifindex, String label, int address, int prefixLength) {
    public String withPrefix() {
      return Ipv4.format(address) + "/" + prefixLength;
    }
  }

  public static List<Link> links() {
    List<Link> out = new ArrayList<>();
    for (String[] f : dump(true)) {
      out.add(Link.parse(f, 0));
    }
    return out;
  }

  public static List<Address> addresses() {
    List<Address> out = new ArrayList<>();
    for (String[] f : dump(false)) {
      out.add(
          new Address(
              Integer.parseInt(f[0]), f[1], Ipv4.parseOrThrow(f[2]), Integer.parseInt(f[3])));
    }
    return out;
  }

  public static Link link(String name) {
    return links().stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new DataplaneException("no interface " + name));
  }

  public static void addAddress(int ifindex, int address, int prefixLength, String label) {
    DataplaneException.check(
        NativeLibraries.egw()
            .egw_addr_add(ifindex, NetworkByteOrder.asNativeU32(address), prefixLength, label),
        "add address " + Ipv4.format(address) + "/" + prefixLength);
  }

  public static void deleteAddress(int ifindex, int address, int prefixLength) {
    DataplaneException.check(
        NativeLibraries.egw()
            .egw_addr_del(ifindex, NetworkByteOrder.asNativeU32(address), prefixLength),
        "delete address " + Ipv4.format(address) + "/" + prefixLength);
  }

  public static void gratuitousArp(int ifindex, int address) {
    DataplaneException.check(
        NativeLibraries.egw().egw_garp(ifindex, NetworkByteOrder.asNativeU32(address)),
        "gratuitous ARP for " + Ipv4.format(address));
  }

  /**
   * An ARP probe for {@code address} (RFC 5227: sender 0.0.0.0): a host that has the address
   * answers it with the address as sender, which the uplink program records as a claim.
   */
  public static void arpProbe(int ifindex, int address) {
    DataplaneException.check(
        NativeLibraries.egw().egw_arp_probe(ifindex, NetworkByteOrder.asNativeU32(address)),
        "ARP probe for " + Ipv4.format(address));
  }

  /** NUD_* states that carry a link-layer address (a packet sent now goes straight out). */
  public static final int NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

  /** Starts resolving a neighbour (ARP), creating its entry when missing. */
  public static void resolveNeighbor(int ifindex, int address) {
    DataplaneException.check(
        NativeLibraries.egw().egw_neigh_use(ifindex, NetworkByteOrder.asNativeU32(address)),
        "resolve neighbour " + Ipv4.format(address));
  }

  /** The neighbour's NUD_* state, or 0 when the kernel has no entry for it. */
  public static int neighborState(int ifindex, int address) {
    int state =
        NativeLibraries.egw().egw_neigh_state(ifindex, NetworkByteOrder.asNativeU32(address));
    if (state == -2) { // -ENOENT
      return 0;
    }
    DataplaneException.check(Math.min(state, 0), "neighbour state of " + Ipv4.format(address));
    return state;
  }

  private static List<String[]> dump(boolean links) {
    for (int size = 1 << 16; ; size <<= 2) {
      byte[] buf = new byte[size];
      int n =
          links
              ? NativeLibraries.egw().egw_link_dump(buf, size)
              : NativeLibraries.egw().egw_addr_dump(buf, size);
      if (n == -28 && size < (1 << 26)) { // ENOSPC: retry with a larger buffer
        continue;
      }
      DataplaneException.check(n, links ? "link dump" : "address dump");
      List<String[]> rows = new ArrayList<>();
      for (String line : new String(buf, 0, n, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          rows.add(line.split("\t"));
        }
      }
      return rows;
    }
  }
}
