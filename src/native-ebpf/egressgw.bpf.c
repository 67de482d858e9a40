// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * egressgw dataplane: three tc programs sharing the maps of lib/maps.h.
 *   egw_classify  tc ingress of pod veths: marks selected traffic (steer / SNAT here), drops it
 *                 when its egress has no gateway (fail closed), and drops traffic of a pod this
 *                 node does not know yet to a guarded destination (fail closed until programmed).
 *   egw_steer     tc egress of the uplink: sends steer-marked packets to the gateway node's MAC (drops
 *                 them while that MAC is not known, or when the gateway is not on this link), and
 *                 counts steered and SNAT-marked packets where they leave the node (after netfilter
 *                 FORWARD, so traffic dropped by network policy is not counted).
 *   egw_gateway   tc ingress of the uplink: marks remote pods' traffic whose egress this node holds,
 *                 and drops other pods' traffic to guarded destinations (never forwarded masqueraded).
 * On the uplink both directions also enforce floating IP ownership (lib/lease.h): ARP for, traffic
 * to and traffic from a floating IP whose lease lapsed is dropped, and another host's ARP claim of
 * one of this node's floating IPs makes this node yield it (no more ARP for it nor traffic to it;
 * what it SNATs still leaves until the lease runs out).
 * Pass-through verdict is TC_ACT_UNSPEC so that other tc filters on the same hook still run.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "egressgw.h"
#include "lib/maps.h"
#include "lib/packet.h"
#include "lib/classify.h"
#include "lib/lease.h"

/* This node's address on the shared segment (network order), set by userspace before load. */
const volatile __u32 egw_node_ip = 0;

#ifndef AF_INET
#define AF_INET 2
#endif

SEC("tc")
int egw_classify(struct __sk_buff *skb)
{
	__u32 saddr, daddr, id = 0;

	if (egw_ipv4_addrs(skb, &saddr, &daddr) < 0)
		return TC_ACT_UNSPEC;
	switch (egw_classify_addrs(saddr, daddr, egw_node_ip, &id, 1)) {
	case EGW_LOCAL:
		skb->mark = EGW_MARK_OF(EGW_MARK_SNAT, id);
		break;
	case EGW_REMOTE:
		skb->mark = EGW_MARK_OF(EGW_MARK_STEER, id);
		break;
	case EGW_NO_EGRESS:
		/* no node holds the egress IP: leaving with the node address would hide the fault */
		return egw_drop(skb, EGW_DROP_NO_EGRESS);
	case EGW_UNKNOWN_GUARDED:
		/* a pod started before this node's program arrived: it might be selected, and leaving
		 * masqueraded with the node address would be the wrong source IP */
		return egw_drop(skb, EGW_DROP_GUARD);
	default:
		break;
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int egw_steer(struct __sk_buff *skb)
{
	struct bpf_redir_neigh nh = { .nh_family = AF_INET };
	struct bpf_fib_lookup fib = {};
	struct egw_egress *egress;
	struct egw_arp arp;
	__u32 saddr = 0, daddr = 0, id;
	int rc;

	/* a floating IP whose lease lapsed or that another host claimed: not announced nor answered
	 * for; one whose lease lapsed: not sent from either (a yielded one still is, until its lease
	 * runs out: the flows other nodes steer here until their next program) */
	if (egw_arp_of(skb, &arp) == 0)
		return egw_lease_silent(arp.spa) ? egw_drop(skb, EGW_DROP_LEASE) : TC_ACT_UNSPEC;
	if (egw_ipv4_addrs(skb, &saddr, &daddr) == 0 && egw_lease_state(saddr) == EGW_LEASE_LAPSED)
		return egw_drop(skb, EGW_DROP_LEASE);
	id = EGW_MARK_ID_OF(skb->mark);
	if ((skb->mark & EGW_MARK_MASK) == EGW_MARK_SNAT) {
		/* leaves here, SNATed to the floating IP by nftables; unless conntrack did not NAT it:
		 * a packet conntrack finds INVALID (say the ACK of data that reached the pod through
		 * another node, the new holder in a hand-over) passes the NAT hooks untouched and would
		 * leave with the pod's own address. Fail closed: what is marked for SNAT leaves from one
		 * of this node's floating IPs or not at all. */
		if (egw_lease_state(saddr) == EGW_LEASE_NONE)
			return egw_drop(skb, EGW_DROP_NOT_OURS);
		egw_count(skb, id);
		return TC_ACT_UNSPEC;
	}
	if ((skb->mark & EGW_MARK_MASK) != EGW_MARK_STEER)
		return TC_ACT_UNSPEC;
	egress = bpf_map_lookup_elem(&EGW_MAP_EGRESSES, &id);
	/* the egress lost its gateway since classification: fail closed */
	if (!egress || !(egress->flags & EGW_EGRESS_HAS_GATEWAY) || !egress->gateway_ip)
		return egw_drop(skb, EGW_DROP_NO_EGRESS);
	/* bpf_redirect_neigh() with an unresolved neighbour queues the packet with its original route
	 * and, once resolved, sends it to that route's next hop (the default router) with the pod's
	 * own address. The agent resolves gateways before it steers to them; should the entry be
	 * missing anyway, fail closed (TCP retries; the agent re-resolves within a second). */
	fib.family = AF_INET;
	fib.ipv4_dst = egress->gateway_ip;
	fib.ifindex = skb->ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return egw_drop(skb, EGW_DROP_NO_NEIGH);
	/* the route to the gateway goes through a router on this link (the gateway is on another
	 * subnet): the frame would reach that router with the pod's own address; fail closed */
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && fib.ifindex == skb->ifindex &&
	    fib.ipv4_dst != egress->gateway_ip)
		return egw_drop(skb, EGW_DROP_NOT_ON_LINK);
	egw_count(skb, id);
	skb->mark = EGW_MARK_OF(EGW_MARK_STEERED, id);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && fib.ifindex == skb->ifindex) {
		/* the gateway is a neighbour on this very link (the usual case): address the frame to
		 * its MAC and let it leave, without a second trip through the neighbour layer */
		if (bpf_skb_store_bytes(skb, 0, fib.dmac, ETH_ALEN, 0) < 0)
			return TC_ACT_SHOT;
		return TC_ACT_UNSPEC;
	}
	/* anything else (another interface, a lookup that cannot tell): the kernel's neighbour layer;
	 * the redirected packet passes this hook once more and the new mark lets it through */
	nh.ipv4_nh = egress->gateway_ip;
	return bpf_redirect_neigh(skb->ifindex, &nh, sizeof(nh), 0);
}

SEC("tc")
int egw_gateway(struct __sk_buff *skb)
{
	__u32 saddr, daddr, id = 0;
	struct egw_arp arp;

	if (egw_arp_of(skb, &arp) == 0) {
		/* the new holder's announcement: this node gives the IP up at once */
		if (egw_claimed(&arp))
			return egw_drop(skb, EGW_DROP_CLAIMED);
		/* not ours any more (lapsed, yielded): the kernel must not answer */
		if (egw_lease_silent(arp.tpa))
			return egw_drop(skb, EGW_DROP_LEASE);
		return TC_ACT_UNSPEC;
	}
	if (egw_ipv4_addrs(skb, &saddr, &daddr) < 0)
		return TC_ACT_UNSPEC;
	if (egw_lease_silent(daddr))
		return egw_drop(skb, EGW_DROP_LEASE);
	/* traffic steered here for an egress this node holds: SNAT it */
	if (egw_classify_addrs(saddr, daddr, egw_node_ip, &id, 0) == EGW_LOCAL) {
		skb->mark = EGW_MARK_OF(EGW_MARK_SNAT, id);
		return TC_ACT_UNSPEC;
	}
	/* a pod's packet to a guarded destination that this node does not SNAT: another node steered
	 * it here by a program older or newer than ours (a move, a rollout step, a controller
	 * restart). Forwarded, it would leave masqueraded with this node's address: fail closed. */
	if (egw_misrouted(saddr, daddr, egw_node_ip))
		return egw_drop(skb, EGW_DROP_NOT_OURS);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
