package io.egressgw.dataplane;

/**
 * IPv4 addresses as Java ints in big-endian value order (10.0.0.1 is 0x0a000001), and prefixes.
 * Writing such an int with a big-endian buffer yields network byte order, as the BPF maps expect.
 */
public final class Ipv4 {
  private Ipv4() {}

  /** Parses dotted-quad notation; rejects anything else. */
  public static int parse(String address) {
    String[] parts = address.trim().split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + address);
    }
    int value = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("not an IPv4 address: " + address);
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + address);
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  public static String format(int address) {
    return ((address >>> 24) & 0xff)
        + "."
        + ((address >>> 16) & 0xff)
        + "."
        + ((address >>> 8) & 0xff)
        + "."
        + (address & 0xff);
  }

  /** The same address as a native-endian int whose memory bytes are in network order (for u32 ABI args). */
  public static int toNetworkOrderNative(int address) {
    return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
        ? Integer.reverseBytes(address)
        : address;
  }

  public static int mask(int prefixLength) {
    return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
  }

  /** An IPv4 prefix with its host bits cleared. */
  public record Cidr(int address, int prefixLength) {
    public Cidr {
      if (prefixLength < 0 || prefixLength > 32) {
        throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
      }
      address &= mask(prefixLength);
    }

    /** Parses "a.b.c.d/n" (or a bare address, taken as /32). */
    public static Cidr parse(String cidr) {
      int slash = cidr.indexOf('/');
      if (slash < 0) {
        return new Cidr(Ipv4.parse(cidr), 32);
      }
      String len = cidr.substring(slash + 1);
      if (len.isEmpty() || !len.chars().allMatch(Character::isDigit) || len.length() > 2) {
        throw new IllegalArgumentException("not an IPv4 prefix: " + cidr);
      }
      return new Cidr(Ipv4.parse(cidr.substring(0, slash)), Integer.parseInt(len));
    }

    public boolean contains(int ip) {
      return (ip & mask(prefixLength)) == address;
    }

    @Override
    public String toString() {
      return format(address) + "/" + prefixLength;
    }
  }
}
