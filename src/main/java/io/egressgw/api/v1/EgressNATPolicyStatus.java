package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.egressgw.crd.JsonMergePatchCustomizer;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** The egress IP a policy uses now and how far it is programmed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = JsonMergePatchCustomizer.class, input = ConditionSchema.MERGE_PATCH)
public class EgressNATPolicyStatus {
  @JsonPropertyDescription(
      "The source address selected traffic leaves with (the gateway's first floating IP).")
  private String egressIP;

  @JsonPropertyDescription("The node that holds the egress IP now.")
  private String gatewayNode;

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Accepted: the gateway group resolves to an egress IP. Programmed: every node that"
          + " carries the policy applied it. Kubernetes conditions, one per type.")
  private List<Condition> conditions = new ArrayList<>();

  public String getEgressIP() {
    return egressIP;
  }

  public void setEgressIP(String egressIP) {
    this.egressIP = egressIP;
  }

  public String getGatewayNode() {
    return gatewayNode;
  }

  public void setGatewayNode(String gatewayNode) {
    this.gatewayNode = gatewayNode;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
