package io.egressgw.net;

/**
 * IPv4 addresses and prefixes as ints, so that matching is mask arithmetic and allocates nothing:
 * the one dotted-quad parser and formatter of the project (placement, the policy compiler,
 * validation and the dataplane build on it). Parsing returns a negative long for invalid input
 * instead of throwing, because inputs come from custom resources and node reports that validation
 * may not have seen yet.
 */
public final class Ipv4 {
  private Ipv4() {}

  /** Dotted quad to 0..2^32-1, or -1 when {@code s} is not a plain IPv4 address. */
  public static long parse(String s) {
    if (s == null) {
      return -1;
    }
    return parse(s, 0, s.length());
  }

  /**
   * Like {@link #parse}, for text that must already be valid (the agent's own settings, fields of a
   * program the controller validated): the address as an int, or an IllegalArgumentException.
   */
  public static int parseOrThrow(String address) {
    long value = parse(address.trim());
    if (value < 0) {
      throw new IllegalArgumentException("not an IPv4 address: " + address);
    }
    return (int) value;
  }

  private static long parse(String s, int from, int to) {
    long addr = 0;
    int octets = 0;
    int i = from;
    while (i < to) {
      int value = 0;
      int digits = 0;
      while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        digits++;
        i++;
        if (digits > 3) {
          return -1;
        }
      }
      if (digits == 0 || value > 255) {
        return -1;
      }
      addr = (addr << 8) | value;
      octets++;
      if (i < to) {
        if (s.charAt(i) != '.' || octets == 4) {
          return -1;
        }
        i++;
        if (i == to) {
          return -1;
        }
      }
    }
    return octets == 4 ? addr : -1;
  }

  /**
   * "a.b.c.d/len" (or a bare address, meaning /32) to {@code len << 32 | address}, address not
   * masked; -1 when invalid.
   */
  public static long parseCidr(String s) {
    if (s == null) {
      return -1;
    }
    int slash = s.indexOf('/');
    if (slash < 0) {
      long a = parse(s, 0, s.length());
      return a < 0 ? -1 : (32L << 32) | a;
    }
    long a = parse(s, 0, slash);
    if (a < 0 || slash + 1 >= s.length() || s.length() - slash - 1 > 2) {
      return -1;
    }
    int len = 0;
    for (int i = slash + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      len = len * 10 + (c - '0');
    }
    if (len > 32) {
      return -1;
    }
    return ((long) len << 32) | a;
  }

  /** Prefix length of a value from {@link #parseCidr}. */
  public static int prefixLength(long cidr) {
    return (int) (cidr >>> 32);
  }

  /** Address of a value from {@link #parseCidr} (unmasked). */
  public static int address(long cidr) {
    return (int) cidr;
  }

  /** The netmask of a prefix length as an int, e.g. 24 -> 0xffffff00. */
  public static int mask(int prefixLength) {
    return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
  }

  /** The int back to dotted quad. */
  public static String format(int addr) {
    return ((addr >>> 24) & 0xff)
        + "."
        + ((addr >>> 16) & 0xff)
        + "."
        + ((addr >>> 8) & 0xff)
        + "."
        + (addr & 0xff);
  }

  /** Canonical "network/len" with host bits cleared, e.g. 8.8.8.8/24 -> 8.8.8.0/24. */
  public static String canonicalCidr(long cidr) {
    int len = prefixLength(cidr);
    return format(address(cidr) & mask(len)) + "/" + len;
  }
}
