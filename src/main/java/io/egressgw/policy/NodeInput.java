package io.egressgw.policy;

/**
 * A node the compiler produces a program for.
 *
 * @param name node name
 * @param ip the node's address on the shared L2 segment (where steered traffic is sent), null if
 *     not known; a gateway node without an address cannot receive steered traffic (fail closed)
 */
public record NodeInput(String name, String ip) {}
