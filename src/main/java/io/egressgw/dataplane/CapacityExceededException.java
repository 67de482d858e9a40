package io.egressgw.dataplane;

/**
 * A program does not fit this node's BPF maps. Raised before anything is written, so the node keeps
 * the program it had; the message starts with the reason {@code CapacityExceeded} that the agent
 * reports to the controller ({@code NodeReport.applyError}).
 */
public final class CapacityExceededException extends DataplaneException {
  public static final String REASON = "CapacityExceeded";

  public CapacityExceededException(String detail) {
    super(REASON + ": " + detail);
  }
}
