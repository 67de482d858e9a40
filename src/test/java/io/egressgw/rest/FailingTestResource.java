package io.egressgw.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/**
 * A route that exists only in @QuarkusTest applications and fails the way a bug would (an exception
 * no mapper anticipates), so that tests can see what a client gets for a 500.
 */
@Path("/test-only/unexpected-failure")
public class FailingTestResource {
  /** The message a client must never see. */
  static final String INTERNALS = "internal detail: NodeState#17 was null";

  @GET
  @Produces("application/json")
  public String fail() {
    throw new IllegalStateException(INTERNALS);
  }
}
