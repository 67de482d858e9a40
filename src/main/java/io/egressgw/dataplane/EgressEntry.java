package io.egressgw.dataplane;

/**
 * Value of the egresses map (IPv4 addresses as big-endian ints); gatewayIp 0 means no node holds
 * the egress IP.
 */
public record EgressEntry(int gatewayIp, int egressIp, int flags) {}
