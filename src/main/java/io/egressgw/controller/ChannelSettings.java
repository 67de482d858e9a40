package io.egressgw.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** The controller side of the controller <-> agent channel (issue #5): long-poll, signing, auth. */
@ConfigMapping(prefix = "egressgw.controller.channel")
public interface ChannelSettings {
  /** A program long-poll with nothing new answers 204 after this long; the agent polls again. */
  @WithDefault("25s")
  Duration longPollTimeout();

  /**
   * Changed programs are delivered gateways first, then sources, then nodes giving up a gateway
   * role ({@link Rollout}); each step waits for the live agents of the previous one to acknowledge,
   * at most this long.
   */
  @WithDefault("1s")
  Duration rolloutStepTimeout();

  /**
   * Ed25519 private key (PKCS#8, PEM) every NodeProgram is signed with. In a cluster: mounted from
   * a Secret shared by all replicas. When the file is missing and {@link #generateKeys()} is on, a
   * key pair is generated and written here and to {@link #publicKeyFile()}.
   */
  @WithDefault("target/egressgw/controller-signing.key")
  String signingKeyFile();

  /** Where the public key (X.509, PEM) agents verify programs with is written. */
  @WithDefault("target/egressgw/controller-signing.pub")
  String publicKeyFile();

  /** Generate a key pair when {@link #signingKeyFile()} does not exist (embedded and lab mode). */
  @WithDefault("true")
  boolean generateKeys();

  /**
   * In a cluster: the Secret (in the controller's namespace) holding the signing key and the
   * published set; {@link ProgramKeySync} copies it to {@link #signingKeyFile()} and {@link
   * #publicKeyFile()} when it changed, and the signer uses a changed key at once (key rotation
   * without a restart). Empty: the files alone (embedded and lab mode; replace them to rotate).
   */
  Optional<String> signingKeySecret();

  /** How often {@link ProgramKeySync} compares the Secret with the key files. */
  @WithDefault("30s")
  Duration keySyncInterval();

  /**
   * Port of the agent channel's own listener ({@link AgentChannelListener}, issue 15): when set,
   * {@code /v1/agents/...} is answered there only (and on the domain socket), and nothing else is;
   * HTTPS with the API listener's certificate files when it has them. Empty: the channel shares the
   * API port (embedded mode, the lab). 0 picks a free port (tests). In a cluster: 8444.
   */
  OptionalInt port();

  /** How agents authenticate. */
  Auth auth();

  /** The relay of conntrack replication between agents ({@link ReplicationRelay}). */
  Replication replication();

  interface Replication {
    /**
     * Bytes of batches queued per standby; a batch over it is dropped and its floating IP's primary
     * is asked for a full dump.
     */
    @WithDefault("4194304")
    long queueBytes();

    /**
     * A planned hand-over (cordon, drain label, agent stopping) waits for the standby to hold the
     * floating IP's replicated state at most this long, then moves the IP anyway (counted, logged).
     * Below the agent's egressgw.agent.channel.hand-over-timeout.
     */
    @WithDefault("3s")
    Duration handOverWait();

    /** A standby's replication long-poll with nothing queued answers 204 after at most this. */
    @WithDefault("20s")
    Duration longPollTimeout();
  }

  interface Auth {
    /**
     * {@code node-token}: per-node tokens the controller derives (HMAC-SHA256 of the node name
     * under a secret) and writes to {@link #tokenDir()} (lab and embedded mode). {@code
     * token-review}: a Kubernetes service-account token with audience {@link #audience()}, checked
     * with TokenReview.
     */
    @WithDefault("node-token")
    String mode();

    /** Secret the node tokens are derived from; generated when missing. Shared by replicas. */
    @WithDefault("target/egressgw/node-token.secret")
    String tokenSecretFile();

    /** The controller writes {@code <node>.token} here for each Node it sees (node-token mode). */
    @WithDefault("target/egressgw/tokens")
    String tokenDir();

    /** The audience agents' projected service-account tokens are issued for (token-review mode). */
    @WithDefault("egressgw-agent")
    String audience();

    /** Accepted service accounts, "namespace:name" (token-review mode). */
    @WithDefault("kube-system:egressgw-agent")
    String agentServiceAccount();

    /** Successful TokenReviews are cached this long (keyed by a hash of the token). */
    @WithDefault("60s")
    Duration cacheTtl();

    /** Optional fixed list of node names to issue tokens for at start, before Nodes are seen. */
    Optional<java.util.List<String>> preissue();
  }
}
