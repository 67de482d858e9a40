package io.egressgw.policy;

import io.egressgw.net.Ipv4;
import java.util.Comparator;

/**
 * A destination prefix of a policy, canonical (host bits cleared), so that two spellings of one
 * prefix ({@code 8.8.8.8/24}, {@code 8.8.8.0/24}) are one key for routes, the guarded prefixes and
 * conflict detection.
 *
 * <p>A record rather than a packed {@code long}: prefixes are parsed once per policy change and
 * kept in {@link PolicyState#prefixes}; pod events never create one.
 *
 * @param network the network address (an unsigned 32-bit value in an int), host bits cleared
 * @param length the prefix length, 0..32
 */
record Cidr(int network, int length) {

  /**
   * The order of prefixes in programs (routes and guarded prefixes): by network address, compared
   * unsigned so that 128.0.0.0 follows 127.255.255.255, then shorter before longer, so a covering
   * prefix comes right before the prefixes it covers. Only determinism matters to the dataplane
   * (longest prefix match ignores order), but programs are compared as lists, so every path that
   * builds one must use this order.
   */
  static final Comparator<Cidr> ORDER =
      (a, b) -> {
        int byNetwork = Integer.compareUnsigned(a.network, b.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(a.length, b.length);
      };

  Cidr {
    if (length < 0 || length > 32) {
      throw new IllegalArgumentException("prefix length " + length);
    }
    network &= Ipv4.mask(length);
  }

  /** "a.b.c.d/len" (a bare address means /32), host bits cleared; null when not IPv4. */
  static Cidr parse(String text) {
    long parsed = Ipv4.parseCidr(text);
    return parsed < 0 ? null : new Cidr(Ipv4.address(parsed), Ipv4.prefixLength(parsed));
  }

  /** Canonical text, e.g. {@code 8.8.8.0/24}: what programs and outcomes carry. */
  @Override
  public String toString() {
    return Ipv4.format(network) + "/" + length;
  }
}
