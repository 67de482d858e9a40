package io.egressgw.net;

/**
 * An IPv4 prefix as a value: the address with its host bits cleared, and the prefix length. Used
 * where a prefix is handled one at a time (dataplane map keys, routes); bulk code keeps the packed
 * form of {@link Ipv4#parseCidr}.
 */
public record Ipv4Prefix(int address, int prefixLength) {
  public Ipv4Prefix {
    if (prefixLength < 0 || prefixLength > 32) {
      throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
    }
    address &= Ipv4.mask(prefixLength);
  }

  /** Parses "a.b.c.d/n" (or a bare address, taken as /32); throws on anything else. */
  public static Ipv4Prefix parse(String cidr) {
    long value = Ipv4.parseCidr(cidr.trim());
    if (value < 0) {
      throw new IllegalArgumentException("not an IPv4 prefix: " + cidr);
    }
    return new Ipv4Prefix(Ipv4.address(value), Ipv4.prefixLength(value));
  }

  public boolean contains(int ip) {
    return (ip & Ipv4.mask(prefixLength)) == address;
  }

  @Override
  public String toString() {
    return Ipv4.format(address) + "/" + prefixLength;
  }
}
