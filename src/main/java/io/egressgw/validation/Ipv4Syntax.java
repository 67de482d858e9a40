package io.egressgw.validation;

import io.egressgw.net.Ipv4;
import java.util.Optional;

/**
 * What the text of an IPv4 address or CIDR block must look like in a custom resource. Strict IPv4
 * parsing for floating IPs and destination CIDRs: dotted-quad only, four decimal octets 0-255
 * without leading zeros (so that "010.0.0.1" cannot mean two different things), and a
 * plain-language reason when the text is not that. IPv6 is recognised so that the message can say
 * the gateway is IPv4-only rather than "malformed".
 */
public final class Ipv4Syntax {
  private Ipv4Syntax() {}

  /**
   * The address as an unsigned 32-bit value, or empty when it is not dotted-quad IPv4 written
   * strictly: {@link Ipv4#parse} plus no leading zeros.
   */
  public static Optional<Long> parseStrict(String text) {
    long value = Ipv4.parse(text);
    return value < 0 || hasLeadingZero(text) ? Optional.empty() : Optional.of(value);
  }

  /** An octet written with a leading zero, e.g. "010": stricter than the shared parser. */
  private static boolean hasLeadingZero(String text) {
    for (int i = 0; i + 1 < text.length(); i++) {
      if (text.charAt(i) == '0'
          && (i == 0 || text.charAt(i - 1) == '.')
          && text.charAt(i + 1) != '.') {
        return true;
      }
    }
    return false;
  }

  /** Whether the text looks like an IPv6 address (has a colon), for the IPv4-only message. */
  public static boolean looksLikeIpv6(String text) {
    return text != null && text.indexOf(':') >= 0;
  }

  /**
   * Why the text is not a usable IPv4 unicast host address, or empty when it is one. Used for
   * floating IPs, which a node must be able to hold.
   */
  public static Optional<String> hostAddressProblem(String text) {
    if (text == null || text.isBlank()) {
      return Optional.of("must be an IPv4 address (dotted-quad a.b.c.d), got an empty value");
    }
    if (looksLikeIpv6(text)) {
      return Optional.of(
          "'"
              + text
              + "' is an IPv6 address: the egress NAT gateway is IPv4-only, use an IPv4 address");
    }
    Optional<Long> parsed = parseStrict(text);
    if (parsed.isEmpty()) {
      return Optional.of(
          "'"
              + text
              + "' is not an IPv4 address: expected dotted-quad a.b.c.d, each octet 0-255"
              + " without leading zeros");
    }
    long v = parsed.get();
    int first = (int) (v >>> 24);
    if (v == 0) {
      return Optional.of("0.0.0.0 is the unspecified address and cannot be a floating IP");
    }
    if (v == 0xffffffffL) {
      return Optional.of("255.255.255.255 is the broadcast address and cannot be a floating IP");
    }
    if (first == 127) {
      return Optional.of("'" + text + "' is a loopback address and cannot be a floating IP");
    }
    if (first >= 224 && first <= 239) {
      return Optional.of("'" + text + "' is a multicast address and cannot be a floating IP");
    }
    if (first == 0 || first >= 240) {
      return Optional.of("'" + text + "' is a reserved address and cannot be a floating IP");
    }
    return Optional.empty();
  }

  /** Why the text is not an IPv4 network in CIDR notation with no host bits set, or empty. */
  public static Optional<String> cidrProblem(String text) {
    if (text == null || text.isBlank()) {
      return Optional.of("must be an IPv4 CIDR block (a.b.c.d/n), got an empty value");
    }
    if (looksLikeIpv6(text)) {
      return Optional.of(
          "'"
              + text
              + "' is an IPv6 block: the egress NAT gateway is IPv4-only, use an IPv4 CIDR block");
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      return Optional.of(
          "'" + text + "' is not in CIDR notation: expected a.b.c.d/n, e.g. 203.0.113.0/24");
    }
    String address = text.substring(0, slash);
    String prefixText = text.substring(slash + 1);
    Optional<Long> parsed = parseStrict(address);
    if (parsed.isEmpty()) {
      return Optional.of(
          "'"
              + text
              + "' does not start with an IPv4 address: expected a.b.c.d/n, each octet 0-255");
    }
    if (prefixText.isEmpty()
        || prefixText.length() > 3
        || !prefixText.chars().allMatch(c -> c >= '0' && c <= '9')
        || (prefixText.length() > 1 && prefixText.charAt(0) == '0')) {
      return Optional.of(
          "'" + text + "' has no valid prefix length: expected a number 0-32 after '/'");
    }
    int prefix = Integer.parseInt(prefixText);
    if (prefix > 32) {
      return Optional.of(
          "'" + text + "' has prefix length " + prefix + ", over 32: IPv4 prefixes are 0-32");
    }
    long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    long value = parsed.get();
    if ((value & ~mask & 0xffffffffL) != 0) {
      return Optional.of(
          "'"
              + text
              + "' has host bits set: the network address is "
              + Ipv4.format((int) (value & mask))
              + "/"
              + prefix);
    }
    return Optional.empty();
  }
}
