package io.egressgw.api.v1;

/**
 * The actions a policy may name, used only as the schema of {@link EgressNATPolicySpec#getAction()}
 * (which stays a String so that an unknown action reaches validation and gets a clear message
 * instead of a JSON mapping error).
 */
public enum Action {
  SNAT
}
