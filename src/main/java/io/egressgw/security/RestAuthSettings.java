package io.egressgw.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may call the public REST API. */
@ConfigMapping(prefix = "egressgw.rest.auth")
public interface RestAuthSettings {
  /**
   * {@code kubernetes}: every call carries a bearer token, authenticated with a TokenReview and
   * authorised with a SubjectAccessReview for the same verb and resource kubectl would use. {@code
   * none}: no checks; only for the embedded default, where the API listens on 127.0.0.1. {@code
   * auto} (default): {@code none} when the Kubernetes API is the embedded emulator, {@code
   * kubernetes} otherwise.
   */
  @WithDefault("auto")
  Mode mode();

  /** The REST API's access modes. */
  enum Mode {
    AUTO,
    KUBERNETES,
    NONE
  }
}
