package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A destination IPv4 block in CIDR notation, e.g. 203.0.113.0/24. */
public class Destination {
  @Required
  @Pattern(SchemaPatterns.IPV4_CIDR)
  @JsonPropertyDescription("IPv4 CIDR block, network address with no host bits set, prefix 0-32.")
  private String cidr;

  public Destination() {}

  public Destination(String cidr) {
    this.cidr = cidr;
  }

  public String getCidr() {
    return cidr;
  }

  public void setCidr(String cidr) {
    this.cidr = cidr;
  }
}
