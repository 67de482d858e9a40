package io.egressgw.dataplane;

/**
 * How the kernel picks the source port of a flow SNATed to a floating IP ({@code
 * egressgw.agent.dataplane.snat-port-allocation}). Every flow of one floating IP to one destination
 * address and port needs its own source port: about 64,000 concurrent connections per floating IP
 * and destination, whatever the mode (README "Capacity").
 */
public enum SnatPortAllocation {
  /**
   * The kernel's default: keep the pod's source port when it is free on the floating IP, else
   * search from a hash of the flow. Predictable ports, and the fewest collisions for few pods.
   */
  DEFAULT(""),
  /** The search starts at a random offset ({@code random}, NF_NAT_RANGE_PROTO_RANDOM). */
  RANDOM("random"),
  /**
   * Every port is chosen at random ({@code fully-random}, NF_NAT_RANGE_PROTO_RANDOM_FULLY): the
   * pod's own port never shows outside, and port-prediction attacks on the floating IP fail.
   */
  FULLY_RANDOM("fully-random");

  private final String nftFlag;

  SnatPortAllocation(String nftFlag) {
    this.nftFlag = nftFlag;
  }

  /** The flag after the address of an nft {@code snat to} statement, with a leading space. */
  public String nftSuffix() {
    return nftFlag.isEmpty() ? "" : " " + nftFlag;
  }
}
