package io.egressgw.role;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Which of the two roles this process plays ({@code egressgw.role}): the one place the setting is
 * read. Beans that exist in one role only are produced with {@code @LookupIfProperty(name =
 * ProcessRole.PROPERTY, stringValue = ProcessRole.AGENT)}, which names the same key.
 */
@ConfigMapping(prefix = "egressgw")
public interface ProcessRole {
  /** The configuration key. */
  String PROPERTY = "egressgw.role";

  /** The value of {@link #PROPERTY} in the node role. */
  String AGENT = "agent";

  /** The roles. */
  enum Role {
    /** The default: REST API, placement, compiler, program distribution (leader-elected). */
    CONTROLLER,
    /** One per node: applies its node's program, holds floating IPs, heartbeats. */
    AGENT
  }

  /** This process's role. */
  @WithName("role")
  @WithDefault("controller")
  Role role();

  default boolean isAgent() {
    return role() == Role.AGENT;
  }

  default boolean isController() {
    return role() == Role.CONTROLLER;
  }
}
