package io.egressgw.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The controller's serving certificate while it runs (issue 15; {@link
 * io.egressgw.admission.CertificateRotation}): one long-lived CA, a short-lived leaf renewed by the
 * leader when a third of its life remains, reloaded by every replica without a restart. Active only
 * when the HTTPS listener reads PEM files ({@code quarkus.http.ssl.certificate.files}).
 */
@ConfigMapping(prefix = "egressgw.controller.tls")
public interface ServingTlsSettings {
  /** Validity of a serving leaf; renewed after two thirds of it (day 60 of 90). */
  @WithDefault("P90D")
  Duration leafValidity();

  /** Validity of the CA; a new one joins the bundle after two thirds of it. */
  @WithDefault("P3650D")
  Duration caValidity();

  /**
   * How often each replica checks the stored material (the leader renews, the others follow the
   * Secret): a leaf renewed by the leader is served by every replica within this.
   */
  @WithDefault("10m")
  Duration checkInterval();

  /**
   * Namespace of the agents' trust ConfigMap (egressgw-agent-trust) that the leader keeps the CA
   * bundle in; default: the controller's own namespace.
   */
  Optional<String> agentTrustNamespace();
}
