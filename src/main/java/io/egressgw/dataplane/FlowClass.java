package io.egressgw.dataplane;

/**
 * The class of a flow, recorded by the nft table {@code ip egressgw} in the conntrack mark of every
 * new flow it steers or SNATs, so that the agent knows, per conntrack entry, which NAT binding the
 * entry carries: {@link #FORWARDED} (steered to another node: identity NAT, the pod's own address)
 * or {@link #SNATED} (SNATed here to a floating IP). A conntrack entry keeps the NAT binding of its
 * first packet for its whole life; when this node takes or releases an egress, its entries of the
 * other class would keep the wrong binding (a flow steered before now leaving with the pod's
 * address), and the agent deletes exactly those by mark.
 *
 * <p>Layout of the conntrack mark (the whole mark is written on the flow's first packet): the
 * egress id in bits 16-31 as in {@code skb->mark}, the class in bits 12-13 ({@link #MASK}; an
 * inbound flow's {@link #INBOUND} is or-ed into what the mark holds). Bits 0x4000 and 0x8000
 * (kube-proxy's in {@code skb->mark}) are never set, and the action bits read back as none of
 * egressgw's packet marks (0x0e65-0x0e67), so a CNI that restores the conntrack mark into {@code
 * skb->mark} does not make the BPF programs steer or SNAT a packet.
 */
public final class FlowClass {
  private FlowClass() {}

  /** The class bits of the conntrack mark. */
  public static final int MASK = 0x00003000;

  /** Steered to another node's gateway: identity NAT, the packet keeps the pod's address. */
  public static final int FORWARDED = 0x00001000;

  /** SNATed on this node to a floating IP. */
  public static final int SNATED = 0x00002000;

  /**
   * Opened from outside: the entry's first packet was unmarked and either a TCP SYN or not TCP.
   * Only the replies of such a flow leave a pod unsteered with its own address (a server in the
   * pod). A TCP entry that a mid-stream packet from outside started (conntrack's pick-up, say an
   * answer that reached the pod's node after the pod's own entry was gone) is not inbound: the
   * pod's packets on it are still egress traffic and are steered or SNATed, never let out with the
   * pod's address. Set with the bits already in the mark kept.
   */
  public static final int INBOUND = 0x00003000;

  /** The bits of the conntrack mark that name a flow's class and egress. */
  public static final int CLASS_AND_ID_MASK = MapLayouts.MARK_ID_MASK | MASK;

  /** The conntrack mark of a flow of this class and egress id. */
  public static int ctMark(int flowClass, int egressId) {
    return (egressId << MapLayouts.MARK_ID_SHIFT) | flowClass;
  }

  /**
   * The class bits of a conntrack mark: {@link #FORWARDED}, {@link #SNATED}, {@link #INBOUND} or 0
   * (none: the pod's own unmarked flow, or a TCP flow picked up mid-stream from outside).
   */
  public static int of(int ctMark) {
    return ctMark & MASK;
  }

  /** The egress id of a conntrack mark. */
  public static int egressIdOf(int ctMark) {
    return ctMark >>> MapLayouts.MARK_ID_SHIFT;
  }
}
