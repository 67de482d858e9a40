package io.egressgw.dataplane;

import io.egressgw.net.Ipv4Prefix;

/** Key of the routes LPM map as a value: rule set and destination prefix. */
public record RouteKey(int ruleSet, Ipv4Prefix destination) {}
