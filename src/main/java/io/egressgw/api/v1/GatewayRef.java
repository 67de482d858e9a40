package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Names the NetworkGatewayGroup a policy uses. */
public class GatewayRef {
  @Required
  @JsonPropertyDescription("Name of the NetworkGatewayGroup.")
  private String name;

  @Required
  @JsonPropertyDescription("Namespace of the NetworkGatewayGroup.")
  private String namespace;

  public GatewayRef() {}

  public GatewayRef(String name, String namespace) {
    this.name = name;
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }
}
