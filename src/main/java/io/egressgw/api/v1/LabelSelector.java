package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.TreeMap;

/** A label selector by exact labels (matchLabels), as in Kubernetes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LabelSelector {
  @JsonPropertyDescription("Every one of these labels must be present with this value.")
  private Map<String, String> matchLabels = new TreeMap<>();

  public LabelSelector() {}

  public LabelSelector(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }
}
