package io.egressgw.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Leader election over a coordination.k8s.io Lease. Only the leader writes status and Events and
 * serves the agent channel. A crashed leader is replaced after at most leaseDuration + retryPeriod;
 * meanwhile agents keep everything they have (fail static), so a leader change moves nothing.
 */
@ConfigMapping(prefix = "egressgw.controller.leader-election")
public interface LeaderElectionSettings {
  /** Off: this replica always leads (a single replica only; e.g. the embedded lab). */
  @WithDefault("true")
  boolean enabled();

  @WithDefault("egressgw-controller")
  String leaseName();

  @WithDefault("kube-system")
  String leaseNamespace();

  /** Defaults to the pod name (HOSTNAME) plus a random suffix. */
  Optional<String> identity();

  /**
   * Label the leading replica's pod {@code egressgw.io/leader=true} (and no other pod), so that the
   * agents' Service reaches the leader only ({@link LeaderPodLabel}). Needs the env POD_NAME and
   * POD_NAMESPACE (the downward API); without them nothing is labelled.
   */
  @WithDefault("true")
  boolean podLabel();

  @WithDefault("6s")
  Duration leaseDuration();

  @WithDefault("4s")
  Duration renewDeadline();

  @WithDefault("1s")
  Duration retryPeriod();
}
