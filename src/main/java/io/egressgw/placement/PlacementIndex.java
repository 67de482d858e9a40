package io.egressgw.placement;

import io.egressgw.net.Ipv4;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The placement of one {@link PlacementSnapshot}: its nodes indexed as bitsets, every floating IP
 * placed, and status.nodes of each group read from the same index. The controller builds one per
 * placement ({@link #of}) and reads both the result and every group's node status from it, so a
 * placement costs one index build however many groups there are.
 *
 * <p>Representation: nodes get dense indices ordered by (control plane last, name), so "lowest set
 * bit" is the deterministic tie-break. Per node bits live in {@code long[]} bitsets: up, per
 * distinct nodeSelector, per subnet (prefix length, network), per number of IPs held. The eligible
 * set for one IP is a few word-wise ANDs/ORs; the preferred node is the lowest bit of (eligible AND
 * held==h) for the lowest h, workers before control-plane nodes.
 *
 * <p>Over 500 lines on purpose: the arrays below are one data structure whose invariants (indices,
 * bit widths, held levels) every method shares; splitting it would spread them across classes.
 *
 * <p>Not thread-safe: built and read on one thread (the controller's reconcile thread).
 */
public final class PlacementIndex {
  private static final long[] NO_SUBNETS = new long[0];

  // groups and their IPs, in processing order (groups by key, IPs in spec order)
  private List<PlacementGroup> groups;
  private String[] ips;
  private int[] ipAddr;
  private int[] ipGroup;
  private String[] ipInvalid; // non-null: this IP can never be placed, and why
  private long[][] groupSel; // selector bits per group (shared between equal selectors)
  private int[] groupStart; // IPs of group g are [groupStart[g], groupStart[g + 1])
  private Map<String, Integer> groupIndex;
  private Map<Map<String, String>, long[]> selectorBits;
  private Set<Integer> floatingAddrs;

  // nodes
  private PlacementNode[] nodes; // by index
  private String[] nodeNames; // by index
  private Map<String, Integer> nodeIndex;
  private int words;
  private long[] allOnes;
  private long[] up;
  private long[] available; // up and not draining: may hold a floating IP, primary or standby
  private long[] takesNew; // available and not keep-only: may be given one it does not have
  private long[] workerMask;
  private int workerWords; // words that contain at least one worker
  private int firstControlPlaneWord;
  private long[][] nodeSubnets; // per node: (len << 32 | network)
  private LongIntMap subnetSlot;
  private List<long[]> subnetBits;
  private int[] prefixLenCount;
  private int[] activeLens;

  // assignment
  private int[] holder; // per IP: node index or -1
  private int[] held; // per node: number of IPs held
  private List<long[]> levels; // levels.get(h): nodes holding exactly h IPs
  private int[] standby; // per IP: node index or -1
  private int[] load; // per node: IPs held plus IPs it is standby for
  private List<long[]> loadLevels; // loadLevels.get(l): nodes with load exactly l
  private Map<String, String> previousStandbys;
  private long[] eligible; // scratch
  private int[] nonZeroWords; // scratch

  private List<FloatingIpMove> moves;
  private PlacementResult result;

  private PlacementIndex() {}

  /** Builds the index and places every floating IP (the full plan). */
  public static PlacementIndex of(PlacementSnapshot snapshot) {
    PlacementIndex p = new PlacementIndex();
    p.place(snapshot);
    return p;
  }

  /** The placement of the snapshot (what {@link FloatingIpPlacement#plan} returns). */
  public PlacementResult result() {
    if (result == null) {
      Map<String, String> assignment = new LinkedHashMap<>();
      Map<String, String> unassigned = new LinkedHashMap<>();
      Map<String, String> standbys = new LinkedHashMap<>();
      for (int i = 0; i < ips.length; i++) {
        if (holder[i] >= 0) {
          assignment.put(ips[i], nodeNames[holder[i]]);
        }
        if (standby[i] >= 0) {
          standbys.put(ips[i], nodeNames[standby[i]]);
        }
      }
      for (int i = 0; i < ips.length; i++) {
        if (holder[i] < 0 && !assignment.containsKey(ips[i]) && !unassigned.containsKey(ips[i])) {
          unassigned.put(ips[i], unassignedReason(i));
        }
      }
      result = new PlacementResult(assignment, unassigned, moves, standbys);
    }
    return result;
  }

  /**
   * status.nodes of a group: every node matching its nodeSelector with an address in the subnet of
   * at least one of its floating IPs, "Up" or "Down"; sorted by name.
   */
  public Map<String, String> nodeStatus(String groupKey) {
    Map<String, String> out = new TreeMap<>();
    Integer g = groupIndex.get(groupKey);
    if (g == null) {
      return out;
    }
    long[] covered = new long[words];
    for (int i = groupStart[g]; i < groupStart[g + 1]; i++) {
      if (ipInvalid[i] == null) {
        orSubnetBits(ipAddr[i], covered);
      }
    }
    long[] sel = groupSel[g];
    for (int w = 0; w < words; w++) {
      long x = covered[w] & sel[w];
      while (x != 0) {
        int n = w * 64 + Long.numberOfTrailingZeros(x);
        x &= x - 1;
        out.put(nodeNames[n], testBit(up, n) ? "Up" : "Down");
      }
    }
    return out;
  }

  /** The index without placing anything (for status.nodes only). */
  static PlacementIndex indexOnly(PlacementSnapshot snapshot) {
    PlacementIndex p = new PlacementIndex();
    p.initGroups(snapshot.groups());
    p.initNodes(snapshot.nodes());
    return p;
  }

  private void place(PlacementSnapshot s) {
    initGroups(s.groups());
    initNodes(s.nodes());
    holder = new int[ips.length];
    Arrays.fill(holder, -1);
    standby = new int[ips.length];
    Arrays.fill(standby, -1);
    held = new int[nodes.length];
    load = new int[nodes.length];
    levels = new ArrayList<>();
    levels.add(new long[words]);
    loadLevels = new ArrayList<>();
    loadLevels.add(new long[words]);
    for (int n = 0; n < nodes.length; n++) {
      setBit(levels.get(0), n, true);
      setBit(loadLevels.get(0), n, true);
    }
    previousStandbys = s.currentStandbys();
    eligible = new long[words];
    nonZeroWords = new int[words];

    // Pass 1: an IP stays where it is while that node is up and eligible.
    for (int i = 0; i < ips.length; i++) {
      if (ipInvalid[i] != null) {
        continue;
      }
      Integer n = nodeIndex.get(s.currentAssignment().get(ips[i]));
      if (n != null && isEligible(i, n)) {
        assign(i, n);
      }
    }
    // Pass 2: everything else, in processing order; an IP whose holder failed or drains goes to
    // its standby while that is eligible (the node prepared to take it over).
    for (int i = 0; i < ips.length; i++) {
      if (holder[i] < 0 && ipInvalid[i] == null) {
        Integer sb = nodeIndex.get(previousStandbys.get(ips[i]));
        int best = sb != null && isEligible(i, sb, takesNew) ? sb : pick(i, levels, held, -1);
        if (best >= 0) {
          assign(i, best);
        }
      }
    }
    // A draining node keeps an IP that no other node can take: a drain never drops egress.
    for (int i = 0; i < ips.length; i++) {
      if (holder[i] < 0 && ipInvalid[i] == null) {
        Integer n = nodeIndex.get(s.currentAssignment().get(ips[i]));
        if (n != null && isEligible(i, n, up)) {
          assign(i, n);
        }
      }
    }
    // Pass 3: a standby stays where it is while eligible and not the IP's holder.
    for (int i = 0; i < ips.length; i++) {
      if (holder[i] < 0) {
        continue;
      }
      Integer sb = nodeIndex.get(previousStandbys.get(ips[i]));
      if (sb != null && sb != holder[i] && isEligible(i, sb, takesNew)) {
        assignStandby(i, sb);
      }
    }
    // Pass 4: every other held IP gets the eligible node other than its holder that is first by
    // workers before control plane, then fewest IPs held plus stood by for, then name.
    for (int i = 0; i < ips.length; i++) {
      if (holder[i] >= 0 && standby[i] < 0) {
        int best = pick(i, loadLevels, load, holder[i]);
        if (best >= 0) {
          assignStandby(i, best);
        }
      }
    }
    moves = diff(s.currentAssignment());
  }

  private void initGroups(List<PlacementGroup> input) {
    groups = new ArrayList<>(input);
    groups.sort(Comparator.comparing(PlacementGroup::key));
    int total = 0;
    for (PlacementGroup g : groups) {
      total += g.floatingIPs().size();
    }
    ips = new String[total];
    ipAddr = new int[total];
    ipGroup = new int[total];
    ipInvalid = new String[total];
    groupSel = new long[groups.size()][];
    groupStart = new int[groups.size() + 1];
    groupIndex = new HashMap<>();
    floatingAddrs = new HashSet<>();
    Map<String, String> firstGroupOf = new HashMap<>();
    int i = 0;
    for (int g = 0; g < groups.size(); g++) {
      groupStart[g] = i;
      groupIndex.putIfAbsent(groups.get(g).key(), g);
      for (String ip : groups.get(g).floatingIPs()) {
        ips[i] = ip;
        ipGroup[i] = g;
        long a = Ipv4.parse(ip);
        String first = firstGroupOf.putIfAbsent(ip, groups.get(g).key());
        if (a < 0) {
          ipInvalid[i] = "not an IPv4 address";
        } else if (first != null) {
          ipInvalid[i] = "duplicate: already a floating IP of group " + first;
        } else {
          ipAddr[i] = (int) a;
          floatingAddrs.add((int) a);
        }
        i++;
      }
    }
    groupStart[groups.size()] = i;
  }

  private void initNodes(List<PlacementNode> input) {
    Map<String, PlacementNode> byName = new HashMap<>();
    for (PlacementNode n : input) {
      byName.put(n.name(), n);
    }
    List<PlacementNode> sorted = new ArrayList<>(byName.values());
    sorted.sort(
        Comparator.comparing(PlacementNode::controlPlane).thenComparing(PlacementNode::name));
    int count = sorted.size();
    nodes = sorted.toArray(new PlacementNode[0]);
    nodeNames = new String[count];
    nodeIndex = new HashMap<>(count * 2);
    words = Math.max(1, (count + 63) >>> 6);
    allOnes = new long[words];
    up = new long[words];
    available = new long[words];
    takesNew = new long[words];
    workerMask = new long[words];
    int workers = 0;
    for (int n = 0; n < count; n++) {
      nodeNames[n] = nodes[n].name();
      nodeIndex.put(nodes[n].name(), n);
      setBit(allOnes, n, true);
      setBit(up, n, nodes[n].up());
      setBit(available, n, nodes[n].available());
      setBit(takesNew, n, nodes[n].takesNew());
      if (!nodes[n].controlPlane()) {
        setBit(workerMask, n, true);
        workers++;
      }
    }
    workerWords = (workers + 63) >>> 6;
    firstControlPlaneWord = workers >>> 6;

    // Label index, used once to compute the bits of each distinct selector.
    Map<String, Map<String, long[]>> labelBits = new HashMap<>();
    for (int n = 0; n < count; n++) {
      for (Map.Entry<String, String> l : nodes[n].labels().entrySet()) {
        long[] bits =
            labelBits
                .computeIfAbsent(l.getKey(), k -> new HashMap<>())
                .computeIfAbsent(l.getValue(), v -> new long[words]);
        setBit(bits, n, true);
      }
    }
    selectorBits = new HashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      Map<String, String> selector = groups.get(g).nodeSelector();
      if (selector.isEmpty()) {
        groupSel[g] = allOnes;
        continue;
      }
      groupSel[g] =
          selectorBits.computeIfAbsent(
              selector,
              sel -> {
                long[] bits = allOnes.clone();
                for (Map.Entry<String, String> e : sel.entrySet()) {
                  long[] l = labelBits.getOrDefault(e.getKey(), Map.of()).get(e.getValue());
                  for (int w = 0; w < words; w++) {
                    bits[w] &= l == null ? 0 : l[w];
                  }
                }
                return bits;
              });
    }

    nodeSubnets = new long[count][];
    subnetSlot = new LongIntMap(Math.max(16, count / 8));
    subnetBits = new ArrayList<>();
    prefixLenCount = new int[33];
    for (int n = 0; n < count; n++) {
      addSubnets(n, nodes[n].subnets());
    }
    refreshActiveLens();
  }

  private void addSubnets(int n, List<String> subnets) {
    long[] parsed = new long[subnets.size()];
    int k = 0;
    for (String s : subnets) {
      long c = Ipv4.parseCidr(s);
      // A floating IP the node holds shows up among its addresses; it says nothing about the
      // node's own segment, so it must not make the node eligible.
      if (c < 0 || floatingAddrs.contains(Ipv4.address(c))) {
        continue;
      }
      int len = Ipv4.prefixLength(c);
      int network = Ipv4.address(c) & Ipv4.mask(len);
      long key = ((long) len << 32) | (network & 0xffffffffL);
      boolean dup = false;
      for (int j = 0; j < k; j++) {
        dup |= parsed[j] == key;
      }
      if (dup) {
        continue;
      }
      parsed[k++] = key;
      int slot = subnetSlot.get(key);
      if (slot < 0) {
        slot = subnetBits.size();
        subnetBits.add(new long[words]);
        subnetSlot.put(key, slot);
      }
      setBit(subnetBits.get(slot), n, true);
      prefixLenCount[len]++;
    }
    nodeSubnets[n] = k == 0 ? NO_SUBNETS : Arrays.copyOf(parsed, k);
  }

  private void refreshActiveLens() {
    int c = 0;
    for (int len = 0; len <= 32; len++) {
      if (prefixLenCount[len] > 0) {
        c++;
      }
    }
    activeLens = new int[c];
    c = 0;
    for (int len = 32; len >= 0; len--) {
      if (prefixLenCount[len] > 0) {
        activeLens[c++] = len;
      }
    }
  }

  private List<FloatingIpMove> diff(Map<String, String> previous) {
    List<FloatingIpMove> moves = new ArrayList<>();
    Set<String> known = new HashSet<>();
    for (int i = 0; i < ips.length; i++) {
      if (!known.add(ips[i])) {
        continue; // a duplicate entry: the first occurrence speaks for this IP
      }
      String before = previous.get(ips[i]);
      String now = holder[i] < 0 ? null : nodeNames[holder[i]];
      if (!Objects.equals(before, now)) {
        moves.add(move(i, before));
      }
    }
    previous.keySet().stream()
        .filter(ip -> !known.contains(ip))
        .sorted()
        .forEach(
            ip ->
                moves.add(
                    new FloatingIpMove(
                        ip, previous.get(ip), null, "no longer a floating IP of any group")));
    return moves;
  }

  private FloatingIpMove move(int i, String from) {
    String to = holder[i] < 0 ? null : nodeNames[holder[i]];
    StringBuilder reason = new StringBuilder();
    if (from != null) {
      reason.append(leaveReason(i, from)).append("; ");
    }
    if (to != null) {
      reason.append("assigned to ").append(to);
      if (to.equals(previousStandbys.get(ips[i]))) {
        reason.append(", its standby");
      }
    } else {
      reason.append("unassigned: ").append(unassignedReason(i));
    }
    Integer n = from == null ? null : nodeIndex.get(from);
    String cause =
        n != null && testBit(up, n) && nodes[n].drain() != NodeDrain.NONE
            ? nodes[n].drain().cause()
            : null;
    return new FloatingIpMove(ips[i], from, to, reason.toString(), cause);
  }

  private String leaveReason(int i, String from) {
    Integer n = nodeIndex.get(from);
    if (n == null) {
      return "node " + from + " no longer exists";
    }
    if (!testBit(up, n)) {
      return "node " + from + " is down";
    }
    if (nodes[n].drain() != NodeDrain.NONE) {
      return "node " + from + " " + nodes[n].drain().description();
    }
    if (!testBit(groupSel[ipGroup[i]], n)) {
      return "node " + from + " no longer matches the nodeSelector";
    }
    if (nodeSubnets[n].length == 0) {
      return "node " + from + " has not reported its subnets";
    }
    return "node " + from + " has no address in the subnet of " + ips[i];
  }

  private String unassignedReason(int i) {
    if (ipInvalid[i] != null) {
      return ipInvalid[i];
    }
    long[] sel = groupSel[ipGroup[i]];
    int selected = 0;
    int selectedUnknown = 0;
    for (int n = 0; n < nodes.length; n++) {
      if (testBit(sel, n)) {
        selected++;
        if (nodeSubnets[n].length == 0) {
          selectedUnknown++;
        }
      }
    }
    if (nodeIndex.isEmpty()) {
      return "no nodes";
    }
    if (selected == 0) {
      return "no node matches the nodeSelector "
          + new TreeMap<>(groups.get(ipGroup[i]).nodeSelector());
    }
    long[] covered = new long[words];
    orSubnetBits(ipAddr[i], covered);
    int inSubnet = 0;
    int inSubnetUp = 0;
    int inSubnetAvailable = 0;
    for (int w = 0; w < words; w++) {
      inSubnet += Long.bitCount(covered[w] & sel[w]);
      inSubnetUp += Long.bitCount(covered[w] & sel[w] & up[w]);
      inSubnetAvailable += Long.bitCount(covered[w] & sel[w] & available[w]);
    }
    if (inSubnet == 0) {
      String msg = "no node matching the nodeSelector has an address in the subnet of " + ips[i];
      return selectedUnknown == 0
          ? msg
          : msg + " (" + selectedUnknown + " of " + selected + " have not reported subnets yet)";
    }
    if (inSubnetUp == 0) {
      return "all " + inSubnet + " nodes that could hold it are down";
    }
    if (inSubnetAvailable == 0) {
      return "every node that could hold it is down or draining (cordoned, labelled "
          + NodeDrain.LABEL
          + " or agent stopping): "
          + (inSubnet - inSubnetUp)
          + " down, "
          + inSubnetUp
          + " draining";
    }
    return "no eligible node"; // not reached: pick() would have found one
  }

  private boolean isEligible(int i, int n) {
    return isEligible(i, n, available);
  }

  /**
   * Eligible with {@code allowed} (available; takesNew for an IP the node does not have yet; or up
   * to ignore draining) in place of available.
   */
  private boolean isEligible(int i, int n, long[] allowed) {
    if (!testBit(allowed, n) || !testBit(groupSel[ipGroup[i]], n)) {
      return false;
    }
    int addr = ipAddr[i];
    for (long key : nodeSubnets[n]) {
      int len = (int) (key >>> 32);
      if ((addr & Ipv4.mask(len)) == (int) key) {
        return true;
      }
    }
    return false;
  }

  private void orSubnetBits(int addr, long[] into) {
    for (int len : activeLens) {
      long key = ((long) len << 32) | ((addr & Ipv4.mask(len)) & 0xffffffffL);
      int slot = subnetSlot.get(key);
      if (slot >= 0) {
        long[] bits = subnetBits.get(slot);
        for (int w = 0; w < words; w++) {
          into[w] |= bits[w];
        }
      }
    }
  }

  /**
   * The preferred eligible node for IP {@code i} other than {@code exclude} (-1: none excluded), or
   * -1: workers first, then lowest {@code count} (kept in {@code byCount} as bitsets per value),
   * then index.
   */
  private int pick(int i, List<long[]> byCount, int[] count, int exclude) {
    long[] e = eligible;
    Arrays.fill(e, 0);
    orSubnetBits(ipAddr[i], e);
    long[] sel = groupSel[ipGroup[i]];
    int candidates = 0;
    int nz = 0;
    for (int w = 0; w < words; w++) {
      long x = e[w] & sel[w] & takesNew[w];
      if (exclude >= 0 && w == exclude >>> 6) {
        x &= ~(1L << exclude);
      }
      e[w] = x;
      if (x != 0) {
        candidates += Long.bitCount(x);
        nonZeroWords[nz++] = w;
      }
    }
    if (candidates == 0) {
      return -1;
    }
    if (candidates <= 64) {
      // Few candidates: compare them directly by (control plane, held, index).
      int best = -1;
      for (int k = 0; k < nz; k++) {
        int w = nonZeroWords[k];
        long x = e[w];
        while (x != 0) {
          int n = (w << 6) + Long.numberOfTrailingZeros(x);
          x &= x - 1;
          if (best < 0 || better(n, best, count)) {
            best = n;
          }
        }
      }
      return best;
    }
    // Many candidates: lowest level first; the number of levels scanned is bounded by
    // (IPs placed / candidates) + 1.
    for (int cls = 0; cls < 2; cls++) {
      for (int h = 0; h < byCount.size(); h++) {
        long[] level = byCount.get(h);
        for (int k = 0; k < nz; k++) {
          int w = nonZeroWords[k];
          if (cls == 0 ? w >= workerWords : w < firstControlPlaneWord) {
            continue;
          }
          long x = e[w] & level[w] & (cls == 0 ? workerMask[w] : ~workerMask[w]);
          if (x != 0) {
            return (w << 6) + Long.numberOfTrailingZeros(x);
          }
        }
      }
    }
    return -1;
  }

  private boolean better(int a, int b, int[] count) {
    boolean cpA = nodes[a].controlPlane();
    boolean cpB = nodes[b].controlPlane();
    if (cpA != cpB) {
      return !cpA;
    }
    if (count[a] != count[b]) {
      return count[a] < count[b];
    }
    return a < b;
  }

  private void assign(int i, int n) {
    holder[i] = n;
    increment(levels, held, n);
    increment(loadLevels, load, n);
  }

  private void assignStandby(int i, int n) {
    standby[i] = n;
    increment(loadLevels, load, n);
  }

  /** {@code count[n]++}, keeping node n's bit in the bitset of its count. */
  private void increment(List<long[]> byCount, int[] count, int n) {
    int h = count[n] + 1;
    setBit(byCount.get(count[n]), n, false);
    while (byCount.size() <= h) {
      byCount.add(new long[words]);
    }
    setBit(byCount.get(h), n, true);
    count[n] = h;
  }

  private static void setBit(long[] bits, int n, boolean value) {
    if (value) {
      bits[n >>> 6] |= 1L << n;
    } else {
      bits[n >>> 6] &= ~(1L << n);
    }
  }

  private static boolean testBit(long[] bits, int n) {
    return (bits[n >>> 6] & (1L << n)) != 0;
  }
}
