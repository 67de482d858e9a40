package io.egressgw.dataplane;

/** Key of the routes LPM map as a value: rule set and destination prefix. */
public record RouteKey(int ruleSet, Ipv4.Cidr destination) {}
