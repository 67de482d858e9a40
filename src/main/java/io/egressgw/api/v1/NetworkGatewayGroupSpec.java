package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a gateway group asks for: its floating IPs and, optionally, which nodes may hold them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkGatewayGroupSpec {
  @Required
  @Size(min = 1, max = SchemaPatterns.MAX_FLOATING_IPS)
  @ValidationRule(
      value = "self.all(x, self.exists_one(y, y == x))",
      message = "floating IPs must not repeat")
  @JsonPropertyDescription(
      "Floating IPv4 addresses, each placed on one node in its subnet. At least one; no duplicates;"
          + " unique across gateway groups. Policies use the first one.")
  private List<@Pattern(SchemaPatterns.IPV4) @Size(max = 15) String> floatingIPs =
      new ArrayList<>();

  @JsonPropertyDescription(
      "Only nodes that carry every one of these labels may hold a floating IP of this group.")
  private Map<String, String> nodeSelector;

  public NetworkGatewayGroupSpec() {}

  public NetworkGatewayGroupSpec(List<String> floatingIPs, Map<String, String> nodeSelector) {
    this.floatingIPs = floatingIPs;
    this.nodeSelector = nodeSelector;
  }

  public List<String> getFloatingIPs() {
    return floatingIPs;
  }

  public void setFloatingIPs(List<String> floatingIPs) {
    this.floatingIPs = floatingIPs;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }
}
