package io.egressgw.policy;

import io.egressgw.net.Ipv4;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Placement's floating IP assignment (IP -> node) and its inverse (node -> the IPs it holds, in
 * {@link #ADDRESS_ORDER}), so that building a node's program lists its floating IPs without
 * scanning the whole assignment.
 */
final class FloatingIpIndex {
  /**
   * How a node's floating IPs are listed: valid IPv4 addresses in numeric order, then any other
   * text (an assignment may carry an address validation has not rejected yet) after them. Ties,
   * i.e. invalid texts, or two spellings of one address such as {@code 10.0.0.1} and {@code
   * 010.0.0.1}, are ordered by the text itself, so distinct IPs never compare equal and none is
   * dropped from the node's set.
   */
  static final Comparator<String> ADDRESS_ORDER =
      Comparator.comparingLong(FloatingIpIndex::numericOrder)
          .thenComparing(Comparator.naturalOrder());

  private final Map<String, String> nodeByIp = new HashMap<>();
  private final Map<String, TreeSet<String>> ipsByNode = new HashMap<>();

  /** The address as a number; invalid text sorts after every address. */
  private static long numericOrder(String ip) {
    long address = Ipv4.parse(ip);
    return address >= 0 ? address : 1L << 32;
  }

  /** The node holding {@code ip}, or null. */
  String nodeOf(String ip) {
    return nodeByIp.get(ip);
  }

  /** Every assigned IP (a live view: copy before assigning while iterating). */
  Set<String> ips() {
    return nodeByIp.keySet();
  }

  /** {@code ip} is now held by {@code node}; null: by no node. */
  void assign(String ip, String node) {
    String before = nodeByIp.remove(ip);
    if (before != null) {
      TreeSet<String> held = ipsByNode.get(before);
      held.remove(ip);
      if (held.isEmpty()) {
        ipsByNode.remove(before);
      }
    }
    if (node != null) {
      nodeByIp.put(ip, node);
      ipsByNode.computeIfAbsent(node, n -> new TreeSet<>(ADDRESS_ORDER)).add(ip);
    }
  }

  /** The IPs {@code node} holds, in {@link #ADDRESS_ORDER}. */
  List<String> heldBy(String node) {
    TreeSet<String> held = ipsByNode.get(node);
    return held == null ? List.of() : List.copyOf(held);
  }
}
