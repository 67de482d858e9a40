/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * egressgw: the one header shared by the BPF programs (egressgw.bpf.c), our C library
 * (user/libegressgw.c) and the Java side (io.egressgw.dataplane.MapLayouts mirrors these structs;
 * MapLayoutBtfTest checks sizes and offsets against the BTF of the compiled object, and
 * SharedHeaderConstantsTest checks the constants below against the Java constants).
 *
 * Byte order: IPv4 addresses are in network byte order (as in the packet), every other field
 * in host byte order.
 */
#ifndef EGRESSGW_H
#define EGRESSGW_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * skb->mark: the high 16 bits carry the egress id, the low 14 bits say what to do. Bits 0x4000 and
 * 0x8000 are kube-proxy's (masquerade, drop: KUBE-FORWARD accepts 0x4000-marked packets without
 * network policy, KUBE-FIREWALL drops 0x8000): no mark egressgw writes ever has them set, whatever
 * the egress id.
 */
#define EGW_MARK_MASK 0x00003fffU
#define EGW_MARK_ID_MASK 0xffff0000U
#define EGW_MARK_ID_SHIFT 16
#define EGW_MARK_KUBE_PROXY 0x0000c000U /* never set by egressgw */
/* Steer to the remote gateway node (set by egw_classify, acted on by egw_steer). */
#define EGW_MARK_STEER 0x00000e65U
/* This node is the gateway: nftables SNATs to the floating IP in @snat_ips. */
#define EGW_MARK_SNAT 0x00000e66U
/* Already redirected by egw_steer: the second pass through the uplink's egress hook ignores it. */
#define EGW_MARK_STEERED 0x00000e67U
/* The mark for action and egress id, and the egress id of a mark. */
#define EGW_MARK_OF(action, id) ((action) | ((__u32)(id) << EGW_MARK_ID_SHIFT))
#define EGW_MARK_ID_OF(mark) (((mark)&EGW_MARK_ID_MASK) >> EGW_MARK_ID_SHIFT)

/* Egress flags. */
#define EGW_EGRESS_HAS_GATEWAY 0x1U /* gateway_ip is set; without it selected traffic is dropped */

/* Map names (BPF object names, also the pin file names under the pin directory). */
#define EGW_MAP_SOURCES egw_sources
#define EGW_MAP_ROUTES egw_routes
#define EGW_MAP_EGRESSES egw_egresses
#define EGW_MAP_COUNTERS egw_counters
#define EGW_MAP_STATE egw_state
#define EGW_MAP_GUARD egw_guard
#define EGW_MAP_EXCLUDED egw_excluded
#define EGW_MAP_DROPS egw_drops
#define EGW_MAP_LEASES egw_leases
#define EGW_MAP_YIELDS egw_yields

/* Default capacities; userspace may resize before load (bpf_map__set_max_entries). */
#define EGW_SOURCES_MAX 131072 /* 65,536 local pods + remote pods SNATed on a gateway */
#define EGW_ROUTES_MAX 1000000
#define EGW_EGRESSES_MAX 65536 /* egress ids are 1..65535 */
#define EGW_COUNTERS_MAX 65536 /* indexed by egress id; userspace sizes it as egw_egresses */
#define EGW_GUARD_MAX 65536 /* guarded destination prefixes (the union of every policy's) */
#define EGW_EXCLUDED_MAX 65536 /* in-cluster and operator-excluded destination prefixes */
#define EGW_LEASES_MAX 4096 /* floating IPs one node may hold */

/* egw_drops index: why the dataplane dropped a packet (per CPU packets and bytes). */
#define EGW_DROP_GUARD 0 /* egw_classify: a pod this node does not know yet, guarded destination */
/* egw_classify / egw_steer: the egress has no gateway (or is unknown) */
#define EGW_DROP_NO_EGRESS 1
#define EGW_DROP_NO_NEIGH 2 /* egw_steer: the gateway's MAC is not known (yet) */
#define EGW_DROP_NOT_ON_LINK 3 /* egw_steer: the gateway is not a neighbour on the uplink */
/* egw_gateway / egw_steer: ARP or traffic for a floating IP whose lease lapsed (not ours now) */
#define EGW_DROP_LEASE 4
/* egw_gateway: another host claimed (ARP) a floating IP this node holds; this node yielded it */
#define EGW_DROP_CLAIMED 5
/* egw_gateway: a pod's packet to a guarded destination reached this node, which does not SNAT it
 * (its sender's program is older or newer than this node's); forwarding would masquerade it with
 * this node's address. egw_steer: a packet marked for SNAT here that conntrack did not NAT (it
 * found it INVALID) would leave with the pod's own address. */
#define EGW_DROP_NOT_OURS 6
#define EGW_DROP_REASONS 7

/* tc attachment: our filters' handle and priority on every hook we use. */
#define EGW_TC_HANDLE 0xe65
#define EGW_TC_PRIORITY 0xe65

/* egw_routes key. prefixlen counts the bits after itself: 32 (rule_set) + destination prefix
 * length; lookups use 64. */
struct egw_route_key {
	__u32 prefixlen;
	__u32 rule_set;
	__u32 daddr; /* network byte order */
};

/* egw_guard and egw_excluded key (value: __u32, 1). prefixlen counts the bits of daddr; lookups
 * use 32. */
struct egw_guard_key {
	__u32 prefixlen;
	__u32 daddr; /* network byte order */
};

/* egw_egresses value, keyed by egress id (__u32). */
struct egw_egress {
	__u32 gateway_ip; /* the node holding egress_ip, network byte order; 0 when none */
	__u32 egress_ip; /* the floating IP, network byte order (informational for the BPF side) */
	__u32 flags; /* EGW_EGRESS_* */
};

/* egw_counters value (per CPU), indexed by egress id. */
struct egw_counters {
	__u64 packets;
	__u64 bytes;
};

/*
 * egw_leases value, keyed by floating IP (__u32, network order); written by the agent only. This
 * node owns the IP (answers ARP for it, accepts traffic to it, sends traffic from it) only while
 * deadline_ns is in the future and no claim by another host newer than taken_ns is recorded in
 * egw_yields. Times are bpf_ktime_get_ns() (CLOCK_MONOTONIC, the clock of System.nanoTime()).
 */
struct egw_lease {
	__u64 deadline_ns; /* renewed by the live agent; 0: lapsed */
	__u64 taken_ns; /* when the agent (re)took the IP; older claims do not count */
};

/* egw_yields value, keyed by floating IP; written by the BPF programs only: the last ARP claim by
 * another host (a gratuitous ARP of a new holder) for an IP in egw_leases. */
struct egw_yield {
	__u64 at_ns; /* bpf_ktime_get_ns() when the claim arrived */
	__u8 claimer[6]; /* the claiming host's MAC */
	__u8 pad[2];
};

/* egw_state value, single entry: what the agent last applied (survives agent restarts). */
struct egw_state {
	__u64 generation;
};

#endif /* EGRESSGW_H */
