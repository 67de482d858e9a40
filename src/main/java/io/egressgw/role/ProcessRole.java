package io.egressgw.role;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * Which of the two roles this process plays ({@code egressgw.role}): the one place the setting is
 * read. Beans that exist in one role only are produced with {@code @LookupIfProperty(name =
 * ProcessRole.PROPERTY, stringValue = ProcessRole.AGENT)}, which names the same key. The mapping's
 * prefix is the key itself: a mapping rooted at {@code egressgw} would claim, and refuse as
 * unknown, every {@code egressgw.*} key read with {@code @ConfigProperty}.
 */
@ConfigMapping(prefix = "egressgw.role")
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
  @WithParentName
  @WithDefault("controller")
  Role role();

  default boolean isAgent() {
    return role() == Role.AGENT;
  }

  default boolean isController() {
    return role() == Role.CONTROLLER;
  }
}
