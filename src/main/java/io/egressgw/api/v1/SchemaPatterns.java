package io.egressgw.api.v1;

/**
 * Regular expressions written into the CRD's OpenAPI schema, so that the API server refuses the
 * grossest mistakes even without the REST API or a webhook in front of it. They check shape only
 * (dotted-quad, prefix 0-32); host bits, reserved ranges and cross-object rules are enforced by
 * io.egressgw.validation. Dots are written as [.] so that the same text is valid in a JSON schema
 * pattern and inside a CEL string literal.
 */
public final class SchemaPatterns {
  private SchemaPatterns() {}

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final String ADDRESS = "(" + OCTET + "[.]){3}" + OCTET;

  /** A dotted-quad IPv4 address. */
  public static final String IPV4 = "^" + ADDRESS + "$";

  /** An IPv4 address, '/', and a prefix length 0-32. */
  public static final String IPV4_CIDR = "^" + ADDRESS + "/(3[0-2]|[12]?[0-9])$";

  /** Most floating IPs one group may list; bounds the cost of the CEL uniqueness rule. */
  public static final int MAX_FLOATING_IPS = 64;
}
