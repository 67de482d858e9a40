package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.egressgw.crd.JsonMergePatchCustomizer;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where the group's floating IPs are, and the health of the nodes that may hold them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = JsonMergePatchCustomizer.class, input = ConditionSchema.MERGE_PATCH)
public class NetworkGatewayGroupStatus {
  public static final String NODE_UP = "Up";
  public static final String NODE_DOWN = "Down";

  @JsonPropertyDescription("Each node that may hold this group's floating IPs: Up or Down.")
  private Map<String, String> nodes = new TreeMap<>();

  @JsonPropertyDescription("Each assigned floating IP and the node that holds it.")
  private Map<String, String> floatingIPs = new TreeMap<>();

  @JsonPropertyDescription(
      "Each floating IP that has a standby and that node: another eligible node, which takes the"
          + " IP over when its holder fails or is cordoned or drained.")
  private Map<String, String> standbys = new TreeMap<>();

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready: every floating IP is held by a node. Degraded: a floating IP has no eligible"
          + " node or a node is Down. Kubernetes conditions, one per type.")
  private List<Condition> conditions = new ArrayList<>();

  public Map<String, String> getNodes() {
    return nodes;
  }

  public void setNodes(Map<String, String> nodes) {
    this.nodes = nodes;
  }

  public Map<String, String> getFloatingIPs() {
    return floatingIPs;
  }

  public void setFloatingIPs(Map<String, String> floatingIPs) {
    this.floatingIPs = floatingIPs;
  }

  public Map<String, String> getStandbys() {
    return standbys;
  }

  public void setStandbys(Map<String, String> standbys) {
    this.standbys = standbys;
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
