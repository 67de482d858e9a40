package io.egressgw.api.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One selection rule: pods whose namespace carries the namespace labels and that carry the pod
 * labels.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourceRule {
  @JsonPropertyDescription(
      "Labels the pod's namespace must carry (all of them). Empty: any namespace.")
  private LabelSelector namespaceSelector;

  @JsonPropertyDescription("Labels the pod must carry (all of them). Empty: any pod.")
  private LabelSelector podSelector;

  public SourceRule() {}

  public SourceRule(LabelSelector namespaceSelector, LabelSelector podSelector) {
    this.namespaceSelector = namespaceSelector;
    this.podSelector = podSelector;
  }

  public LabelSelector getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(LabelSelector namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public LabelSelector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(LabelSelector podSelector) {
    this.podSelector = podSelector;
  }
}
