package io.egressgw.controller;

/** What kind of object an informer event or heartbeat reports as changed. */
public enum ChangeKind {
  /** A Node, or an agent's report about its node (subnets, node IP, liveness). */
  NODE,
  /** A Pod; the key is {@code namespace/name}. */
  POD,
  /** A Namespace (its labels); the key is its name. */
  NAMESPACE,
  /** A ServiceCIDR (networking.k8s.io/v1); its CIDRs join the excluded prefixes. */
  SERVICE_CIDR,
  /** A NetworkGatewayGroup or an EgressNATPolicy; no key, the reconcile compares them whole. */
  CUSTOM_RESOURCE
}
