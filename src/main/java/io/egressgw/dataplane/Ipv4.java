package io.egressgw.dataplane;

/**
 * IPv4 addresses as Java ints in big-endian value order (10.0.0.1 is 0x0a000001), and prefixes.
 * Writing such an int with a big-endian buffer yields network byte order, as the BPF maps expect.
 */
public final class Ipv4 {
  private Ipv4() {}

  /** Parses dotted-quad notation ({@link io.egressgw.net.Ipv4#parse}); rejects anything else. */
  public static int parse(String address) {
    long value = io.egressgw.net.Ipv4.parse(address.trim());
    if (value < 0) {
      throw new IllegalArgumentException("not an IPv4 address: " + address);
    }
    return (int) value;
  }

  public static String format(int address) {
    return io.egressgw.net.Ipv4.format(address);
  }

  /** The same address as a native-endian int whose memory bytes are in network order (for u32 ABI args). */
  public static int toNetworkOrderNative(int address) {
    return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
        ? Integer.reverseBytes(address)
        : address;
  }

  public static int mask(int prefixLength) {
    return io.egressgw.net.Ipv4.mask(prefixLength);
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
      long value = io.egressgw.net.Ipv4.parseCidr(cidr.trim());
      if (value < 0) {
        throw new IllegalArgumentException("not an IPv4 prefix: " + cidr);
      }
      return new Cidr(io.egressgw.net.Ipv4.address(value), io.egressgw.net.Ipv4.prefixLength(value));
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
