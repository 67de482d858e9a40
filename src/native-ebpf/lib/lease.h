/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Floating IP ownership enforced by the dataplane: a node answers ARP for, accepts traffic to and
 * sends traffic from a floating IP only while its lease (egw_leases, renewed by the live agent) runs
 * and no other host has claimed the IP since the agent took it (egw_yields). A dead or paused agent's
 * node therefore falls silent for its floating IPs once the lease runs out, and a node that sees the
 * new holder's gratuitous ARP yields at once: it stops answering ARP for the IP and accepting traffic
 * to it. Until its lease runs out it still sends what it SNATs to the IP: in a planned hand-over the
 * other nodes steer to it until their next program (one rollout step after the new holder took the
 * IP), and the new holder, which holds the replicated conntrack entries, gets the answers. Dropping
 * those packets cost every flow a TCP retransmission timeout (the 230-280 ms stall of issue 13).
 */
#ifndef EGW_LIB_LEASE_H
#define EGW_LIB_LEASE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

#define EGW_LEASE_NONE 0 /* not a floating IP of this node: not our business */
#define EGW_LEASE_LIVE 1 /* this node owns the IP now */
#define EGW_LEASE_LAPSED 2 /* this node holds the IP but must not use it: drop */
#define EGW_LEASE_YIELDED 3 /* another host claimed it, the lease still runs: send only */

#ifndef ETH_P_ARP
#define ETH_P_ARP 0x0806
#endif

/* An Ethernet/IPv4 ARP packet after the Ethernet header. */
struct egw_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[6];
	__u32 spa; /* network order */
	__u8 tha[6];
	__u32 tpa; /* network order */
} __attribute__((packed));

/*
 * egw_lease_state: whether this node may use floating IP ip (network order) now.
 * Returns EGW_LEASE_NONE, EGW_LEASE_LIVE, EGW_LEASE_LAPSED or EGW_LEASE_YIELDED (claimed by another
 * host while the lease still runs).
 */
static __always_inline int egw_lease_state(__u32 ip)
{
	struct egw_lease *lease = bpf_map_lookup_elem(&EGW_MAP_LEASES, &ip);
	struct egw_yield *yield;

	if (!lease)
		return EGW_LEASE_NONE;
	if (lease->deadline_ns <= bpf_ktime_get_ns())
		return EGW_LEASE_LAPSED;
	yield = bpf_map_lookup_elem(&EGW_MAP_YIELDS, &ip);
	if (yield && yield->at_ns >= lease->taken_ns)
		return EGW_LEASE_YIELDED;
	return EGW_LEASE_LIVE;
}

/* egw_lease_silent: this node must neither answer ARP for ip nor accept traffic to it. */
static __always_inline int egw_lease_silent(__u32 ip)
{
	int state = egw_lease_state(ip);

	return state == EGW_LEASE_LAPSED || state == EGW_LEASE_YIELDED;
}

/*
 * egw_arp_of: reads an Ethernet/IPv4 ARP packet.
 * Returns 0 with *arp set, -1 when skb is not one.
 */
static __always_inline int egw_arp_of(struct __sk_buff *skb, struct egw_arp *arp)
{
	if (skb->protocol != bpf_htons(ETH_P_ARP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, arp, sizeof(*arp)) < 0)
		return -1;
	if (arp->ptype != bpf_htons(ETH_P_IP) || arp->plen != 4 || arp->hlen != 6)
		return -1;
	return 0;
}

/*
 * egw_claimed: another host sent ARP with sender address spa (it claims spa). When spa is a
 * floating IP of this node, records the claim so that this node yields the IP at once.
 * Returns 1 when it was one of ours (the frame should not reach the kernel), 0 otherwise.
 */
static __always_inline int egw_claimed(const struct egw_arp *arp)
{
	struct egw_yield yield = {};
	__u32 spa = arp->spa;

	if (!spa || !bpf_map_lookup_elem(&EGW_MAP_LEASES, &spa))
		return 0;
	yield.at_ns = bpf_ktime_get_ns();
	__builtin_memcpy(yield.claimer, arp->sha, 6);
	bpf_map_update_elem(&EGW_MAP_YIELDS, &spa, &yield, BPF_ANY);
	return 1;
}

#endif
