package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Which pods, to which destinations, through which gateway group. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EgressNATPolicySpec {
  public static final String ACTION_SNAT = "SNAT";

  @Required
  @Size(min = 1)
  @JsonPropertyDescription(
      "Selection rules; a pod is selected when it matches any rule (OR). Within a rule the"
          + " namespace labels AND the pod labels must match.")
  private List<SourceRule> sources = new ArrayList<>();

  @Required
  @SchemaFrom(type = Action.class)
  @JsonPropertyDescription("What to do with selected traffic. Only SNAT is defined.")
  private String action;

  @Required
  @Size(min = 1)
  @JsonPropertyDescription(
      "Destination IPv4 CIDR blocks; selected traffic to any of them is NATed.")
  private List<Destination> destinations = new ArrayList<>();

  @Required
  @JsonPropertyDescription("The NetworkGatewayGroup whose first floating IP is the source address.")
  private GatewayRef gatewayRef;

  public EgressNATPolicySpec() {}

  public EgressNATPolicySpec(
      List<SourceRule> sources,
      String action,
      List<Destination> destinations,
      GatewayRef gatewayRef) {
    this.sources = sources;
    this.action = action;
    this.destinations = destinations;
    this.gatewayRef = gatewayRef;
  }

  public List<SourceRule> getSources() {
    return sources;
  }

  public void setSources(List<SourceRule> sources) {
    this.sources = sources;
  }

  public String getAction() {
    return action;
  }

  public void setAction(String action) {
    this.action = action;
  }

  public List<Destination> getDestinations() {
    return destinations;
  }

  public void setDestinations(List<Destination> destinations) {
    this.destinations = destinations;
  }

  public GatewayRef getGatewayRef() {
    return gatewayRef;
  }

  public void setGatewayRef(GatewayRef gatewayRef) {
    this.gatewayRef = gatewayRef;
  }
}
