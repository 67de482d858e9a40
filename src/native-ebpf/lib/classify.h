/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef EGW_LIB_CLASSIFY_H
#define EGW_LIB_CLASSIFY_H

#include "maps.h"

#define EGW_NOT_SELECTED 0 /* source not selected, or destination outside its rule set */
#define EGW_NO_EGRESS 1 /* selected, but the egress is unknown or has no gateway: drop */
#define EGW_LOCAL 2 /* selected, this node holds the egress: SNAT here */
#define EGW_REMOTE 3 /* selected, another node holds the egress: steer there */
#define EGW_UNKNOWN_GUARDED 4 /* source not known to this node yet, destination guarded: drop */

/*
 * egw_classify_addrs: two-stage lookup, source -> rule set, then (rule set, destination) ->
 * egress id -> egress. node_ip is this node's address on the shared segment (network order): an
 * egress whose gateway is node_ip is served here.
 * With guard set (egw_classify, pod-facing interfaces only), a source that is not in sources at
 * all is checked against egw_guard: a known source (even with rule set 0, "not selected") is
 * never guarded.
 * A destination in egw_excluded (in-cluster, or excluded by the operator) is never selected nor
 * guarded, whatever the source: it is checked first.
 * Returns one of:
 *   EGW_NOT_SELECTED     leave the packet alone
 *   EGW_NO_EGRESS        *id is set; fail closed
 *   EGW_LOCAL            *id is set
 *   EGW_REMOTE           *id is set
 *   EGW_UNKNOWN_GUARDED  only with guard: unknown source to a guarded destination; fail closed
 *                        (the pod started before this node was programmed)
 */
static __always_inline int egw_classify_addrs(__u32 saddr, __u32 daddr, __u32 node_ip, __u32 *id,
					      int guard)
{
	struct egw_route_key key = { .prefixlen = 64, .daddr = daddr };
	struct egw_guard_key xkey = { .prefixlen = 32, .daddr = daddr };
	struct egw_egress *egress;
	__u32 *rule_set, *egress_id;

	/* in-cluster destinations stay untouched, even under a more specific policy prefix */
	if (bpf_map_lookup_elem(&EGW_MAP_EXCLUDED, &xkey))
		return EGW_NOT_SELECTED;
	rule_set = bpf_map_lookup_elem(&EGW_MAP_SOURCES, &saddr);
	if (!rule_set) {
		struct egw_guard_key gkey = { .prefixlen = 32, .daddr = daddr };

		if (guard && bpf_map_lookup_elem(&EGW_MAP_GUARD, &gkey))
			return EGW_UNKNOWN_GUARDED;
		return EGW_NOT_SELECTED;
	}
	key.rule_set = *rule_set;
	egress_id = bpf_map_lookup_elem(&EGW_MAP_ROUTES, &key);
	if (!egress_id)
		return EGW_NOT_SELECTED;
	*id = *egress_id & 0xffff; /* egress ids are 16 bits (EGW_MARK_ID_MASK) */
	egress = bpf_map_lookup_elem(&EGW_MAP_EGRESSES, id);
	if (!egress || !(egress->flags & EGW_EGRESS_HAS_GATEWAY) || !egress->gateway_ip)
		return EGW_NO_EGRESS;
	return egress->gateway_ip == node_ip ? EGW_LOCAL : EGW_REMOTE;
}

/*
 * egw_misrouted: for a packet that entered by the uplink and egw_classify_addrs did not find local,
 * whether it is an in-cluster source's (pod CIDRs, node addresses: egw_excluded) packet to a
 * guarded, not excluded destination that is not this node's (its address, a floating IP in
 * egw_leases). Only steering sends such packets to another node; this node would forward them
 * masqueraded with its own address. External sources (replies, inbound connections) never match.
 * Returns 1 when the packet must be dropped.
 */
static __always_inline int egw_misrouted(__u32 saddr, __u32 daddr, __u32 node_ip)
{
	struct egw_guard_key skey = { .prefixlen = 32, .daddr = saddr };
	struct egw_guard_key dkey = { .prefixlen = 32, .daddr = daddr };

	if (daddr == node_ip || bpf_map_lookup_elem(&EGW_MAP_LEASES, &daddr))
		return 0;
	if (!bpf_map_lookup_elem(&EGW_MAP_GUARD, &dkey) ||
	    bpf_map_lookup_elem(&EGW_MAP_EXCLUDED, &dkey))
		return 0;
	return bpf_map_lookup_elem(&EGW_MAP_EXCLUDED, &skey) != NULL;
}

/*
 * egw_count_in: adds skb to the counters at index of map: skb->len bytes and as many packets as
 * it will be on the wire (a GSO packet is gso_segs segments).
 * Returns nothing; an index outside the array is not counted.
 */
static __always_inline void egw_count_in(void *map, struct __sk_buff *skb, __u32 index)
{
	struct egw_counters *c = bpf_map_lookup_elem(map, &index);

	if (c) {
		c->packets += skb->gso_segs > 1 ? skb->gso_segs : 1;
		c->bytes += skb->len;
	}
}

/* egw_count: a packet steered or SNATed for egress id. */
static __always_inline void egw_count(struct __sk_buff *skb, __u32 id)
{
	egw_count_in(&EGW_MAP_COUNTERS, skb, id);
}

/* egw_drop: counts skb as dropped for reason (EGW_DROP_*); returns TC_ACT_SHOT. */
static __always_inline int egw_drop(struct __sk_buff *skb, __u32 reason)
{
	egw_count_in(&EGW_MAP_DROPS, skb, reason);
	return 2; /* TC_ACT_SHOT */
}

#endif
