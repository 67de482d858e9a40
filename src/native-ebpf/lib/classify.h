/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef EGW_LIB_CLASSIFY_H
#define EGW_LIB_CLASSIFY_H

#include "maps.h"

#define EGW_NOT_SELECTED 0 /* source not selected, or destination outside its rule set */
#define EGW_NO_EGRESS 1    /* selected, but the egress is unknown or has no gateway: drop */
#define EGW_LOCAL 2        /* selected, this node holds the egress: SNAT here */
#define EGW_REMOTE 3       /* selected, another node holds the egress: steer there */
#define EGW_UNKNOWN_GUARDED 4 /* source not known to this node yet, destination guarded: drop */

/*
 * egw_classify_addrs: two-stage lookup, source -> rule set, then (rule set, destination) ->
 * egress id -> egress. node_ip is this node's address on the shared segment (network order): an
 * egress whose gateway is node_ip is served here.
 * With guard set (egw_classify, pod-facing interfaces only), a source that is not in sources at
 * all is checked against egw_guard: a known source (even with rule set 0, "not selected") is
 * never guarded.
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
	struct egw_egress *egress;
	__u32 *rule_set, *egress_id;

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
	*id = *egress_id & EGW_MARK_ID_MASK;
	egress = bpf_map_lookup_elem(&EGW_MAP_EGRESSES, id);
	if (!egress || !(egress->flags & EGW_EGRESS_HAS_GATEWAY) || !egress->gateway_ip)
		return EGW_NO_EGRESS;
	return egress->gateway_ip == node_ip ? EGW_LOCAL : EGW_REMOTE;
}

/*
 * egw_count: adds one packet of skb->len bytes to the counters of egress id.
 * Returns nothing; an id outside the array is not counted.
 */
static __always_inline void egw_count(struct __sk_buff *skb, __u32 id)
{
	struct egw_counters *c = bpf_map_lookup_elem(&EGW_MAP_COUNTERS, &id);

	if (c) {
		c->packets++;
		c->bytes += skb->len;
	}
}

#endif
