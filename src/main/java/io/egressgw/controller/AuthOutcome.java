package io.egressgw.controller;

/** The verdict on an agent's credentials for one node. */
public enum AuthOutcome {
  /** A valid credential of this node's agent. */
  ALLOWED,
  /** No credential, or one that is not valid: HTTP 401. */
  UNAUTHENTICATED,
  /** A valid credential, but of another node's agent (or not an agent at all): HTTP 403. */
  FORBIDDEN,
  /**
   * Not decided: the token needs a review and the review queue is full (a flood of unknown tokens):
   * HTTP 429 with Retry-After.
   */
  BUSY
}
