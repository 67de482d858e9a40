package io.egressgw.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.net.Ipv4;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nftables table {@code ip egressgw}: nat postrouting at srcnat-10, before the node's own
 * masquerade, and a mangle prerouting chain that un-steers replies of connections opened from
 * outside. Packets marked "SNAT here" leave with the floating IP of their egress (map {@code
 * snat_ips}: mark -> IP; a marked packet without an entry is dropped, fail closed); packets marked
 * "steer" get an identity SNAT so the node's masquerade does not rewrite them. The first packet of
 * each such flow records its {@link FlowClass} in the conntrack mark, and a filter chain after the
 * NAT drops a packet whose flow's class contradicts its mark (see {@link FlowClass}).
 */
public final class EgressNatTable {
  public static final String TABLE = "egressgw";
  public static final String MAP = "snat_ips";
  static final String FLOW_CLASS_CHAIN = "flowclass";

  /** Rules in {@link #definition}: four in prerouting, five in postrouting, two in flowclass. */
  private static final int RULES = 11;

  private final Nftables nft;
  private final SnatPortAllocation ports;

  /**
   * @param ports how source ports of flows SNATed to a floating IP are chosen (the identity SNAT of
   *     steered flows keeps the pod's address and, when free, its port)
   */
  public EgressNatTable(Nftables nft, SnatPortAllocation ports) {
    this.nft = nft;
    this.ports = ports;
  }

  /** The table's text with the given map elements, with the kernel's default port allocation. */
  static String definition(Map<Integer, Integer> elements) {
    return definition(elements, SnatPortAllocation.DEFAULT);
  }

  /** The table's text with the given map elements (mark -> floating IP). */
  static String definition(Map<Integer, Integer> elements, SnatPortAllocation ports) {
    StringBuilder els = new StringBuilder();
    elements.forEach(
        (mark, ip) ->
            els.append(els.length() == 0 ? "" : ", ")
                .append(String.format("0x%08x : %s", mark, Ipv4.format(ip))));
    String mask = String.format("0x%08x", MapLayouts.MARK_MASK);
    return "table ip "
        + TABLE
        + " {\n"
        + "  map "
        + MAP
        + " {\n    type mark : ipv4_addr\n"
        + (elements.isEmpty() ? "" : "    elements = { " + els + " }\n")
        + "  }\n"
        // replies of connections opened from outside (e.g. to a pod's server) are not egress
        // traffic: unmark them once conntrack knows their direction, before routing (not
        // steered, not counted). Opened from outside means: the flow's first packet was not
        // marked by us and was a TCP SYN, or not TCP (FlowClass.INBOUND). A TCP flow that
        // conntrack picked up from a mid-stream packet from outside (an answer that reached the
        // pod's node after the pod's own entry was gone) is the pod's egress flow seen backwards:
        // its packets stay marked, so they are steered or SNATed (or dropped), never let out
        // with the pod's own address.
        + "  chain prerouting {\n"
        + "    type filter hook prerouting priority mangle; policy accept;\n"
        + String.format(
            "    ct state new meta mark & %s == 0 tcp flags & (syn | ack) == syn"
                + " ct mark set ct mark | 0x%08x\n",
            mask, FlowClass.INBOUND)
        + String.format(
            "    ct state new meta mark & %s == 0 meta l4proto != tcp"
                + " ct mark set ct mark | 0x%08x\n",
            mask, FlowClass.INBOUND)
        + String.format(
            "    ct direction reply ct mark & 0x%08x == 0x%08x meta mark & %s == 0x%08x"
                + " meta mark set 0\n",
            FlowClass.MASK, FlowClass.INBOUND, mask, MapLayouts.MARK_STEER)
        + String.format(
            "    ct direction reply ct mark & 0x%08x == 0x%08x meta mark & %s == 0x%08x"
                + " meta mark set 0\n",
            FlowClass.MASK, FlowClass.INBOUND, mask, MapLayouts.MARK_SNAT)
        + "  }\n"
        + "  chain postrouting {\n"
        + "    type nat hook postrouting priority srcnat - 10; policy accept;\n"
        // a flow's first packet records its class and egress in the conntrack mark (the NAT
        // binding below is made once per flow, as is this mark)
        + String.format(
            "    meta mark & %s == 0x%08x ct mark set meta mark & 0x%08x | 0x%08x\n",
            mask, MapLayouts.MARK_SNAT, MapLayouts.MARK_ID_MASK, FlowClass.SNATED)
        + String.format(
            "    meta mark & %s == 0x%08x ct mark set meta mark & 0x%08x | 0x%08x\n",
            mask, MapLayouts.MARK_STEER, MapLayouts.MARK_ID_MASK, FlowClass.FORWARDED)
        + String.format(
            "    meta mark & %s == 0x%08x snat to meta mark map @%s%s\n",
            mask, MapLayouts.MARK_SNAT, MAP, ports.nftSuffix())
        + String.format("    meta mark & %s == 0x%08x drop\n", mask, MapLayouts.MARK_SNAT)
        + String.format(
            "    meta mark & %s == 0x%08x snat to ip saddr\n", mask, MapLayouts.MARK_STEER)
        + "  }\n"
        // fail closed: a flow whose NAT binding no longer fits what its packets are marked for
        // (this node took or released the egress since the flow began) would leave with the
        // pod's address, or with a floating IP this node gave up; the agent deletes such entries
        // right after the change, and until then their packets are dropped
        + "  chain "
        + FLOW_CLASS_CHAIN
        + " {\n"
        + "    type filter hook postrouting priority srcnat + 10; policy accept;\n"
        + String.format(
            "    ct direction original meta mark & %s == 0x%08x ct mark & 0x%08x == 0x%08x drop\n",
            mask, MapLayouts.MARK_SNAT, FlowClass.MASK, FlowClass.FORWARDED)
        + String.format(
            "    ct direction original meta mark & %s == 0x%08x ct mark & 0x%08x == 0x%08x drop\n",
            mask, MapLayouts.MARK_STEER, FlowClass.MASK, FlowClass.SNATED)
        + "  }\n}\n";
  }

  /** The map's current elements; empty when the table does not exist. */
  public Map<Integer, Integer> readElements() {
    String json = nft.tryRunJson("list map ip " + TABLE + " " + MAP);
    Map<Integer, Integer> out = new TreeMap<>();
    if (json == null || json.isBlank()) {
      return out;
    }
    try {
      for (JsonNode item : new ObjectMapper().readTree(json).path("nftables")) {
        for (JsonNode elem : item.path("map").path("elem")) {
          out.put((int) elem.get(0).asLong(), Ipv4.parseOrThrow(elem.get(1).asText()));
        }
      }
    } catch (java.io.IOException e) {
      throw new DataplaneException("cannot parse nft output: " + json, e);
    }
    return out;
  }

  /**
   * Whether the table exists with both chains and exactly these map elements: false after someone
   * deleted or flushed it (the agent then re-creates it).
   */
  public boolean matches(Map<Integer, Integer> elements) {
    String table = nft.tryRunJson("list table ip " + TABLE);
    if (table == null
        || !table.contains("\"name\": \"postrouting\"")
        || !table.contains("\"name\": \"prerouting\"")
        || !table.contains("\"name\": \"" + FLOW_CLASS_CHAIN + "\"")
        || countOf(table, "{\"rule\": ") != RULES) {
      return false;
    }
    return readElements().equals(new TreeMap<>(elements));
  }

  private static int countOf(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  /**
   * (Re)creates the table atomically with these elements: one transaction deletes the old table
   * (whatever its rules) and creates ours, so traffic never sees a half-built table.
   */
  public void install(Map<Integer, Integer> elements) {
    nft.run(
        "table ip " + TABLE + " {}\ndelete table ip " + TABLE + "\n" + definition(elements, ports));
  }

  /**
   * Deletes, then adds map elements, in one transaction; returns the number of commands. A mark
   * whose IP changes must be in both (nft refuses to overwrite an element).
   */
  public int update(Map<Integer, Integer> upserts, Iterable<Integer> deletes) {
    StringBuilder cmd = new StringBuilder();
    int n = 0;
    for (Integer mark : deletes) {
      cmd.append(String.format("delete element ip %s %s { 0x%08x }\n", TABLE, MAP, mark));
      n++;
    }
    for (Map.Entry<Integer, Integer> e : upserts.entrySet()) {
      cmd.append(
          String.format(
              "add element ip %s %s { 0x%08x : %s }\n",
              TABLE, MAP, e.getKey(), Ipv4.format(e.getValue())));
      n++;
    }
    if (n > 0) {
      nft.run(cmd.toString());
    }
    return n;
  }

  /** Deletes the table (agent uninstall). */
  public void remove() {
    nft.run("table ip " + TABLE + " {}\ndelete table ip " + TABLE + "\n");
  }
}
