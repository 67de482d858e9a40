/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps shared by all egressgw programs. Pinned by name so that an agent restart reuses them. */
#ifndef EGW_LIB_MAPS_H
#define EGW_LIB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "egressgw.h"

/* Pod IPv4 (network order) -> rule set id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGW_SOURCES_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_SOURCES SEC(".maps");

/* (rule set, destination prefix) -> egress id; longest prefix wins. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGW_ROUTES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egw_route_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_ROUTES SEC(".maps");

/* Guarded destination prefixes: traffic from a pod this node does not know yet (not in sources)
 * to one of them is dropped by egw_classify, so that a pod started before its node was programmed
 * never leaves with the node's address. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGW_GUARD_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egw_guard_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_GUARD SEC(".maps");

/* Excluded destination prefixes: pod and service CIDRs, node addresses, the operator's list.
 * Traffic to them is never steered, SNATed or guarded: a policy to 0.0.0.0/0 means everything
 * outside the cluster. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGW_EXCLUDED_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egw_guard_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_EXCLUDED SEC(".maps");

/* Egress id -> where its traffic leaves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGW_EGRESSES_MAX);
	__type(key, __u32);
	__type(value, struct egw_egress);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_EGRESSES SEC(".maps");

/* Egress id -> packets and bytes steered or SNATed by this node (index 0 unused). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGW_COUNTERS_MAX);
	__type(key, __u32);
	__type(value, struct egw_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_COUNTERS SEC(".maps");

/* Drop reason (EGW_DROP_*) -> packets and bytes the programs dropped for it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGW_DROP_REASONS);
	__type(key, __u32);
	__type(value, struct egw_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_DROPS SEC(".maps");

/* Floating IP -> this node's lease on it (agent-written, see struct egw_lease). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGW_LEASES_MAX);
	__type(key, __u32);
	__type(value, struct egw_lease);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_LEASES SEC(".maps");

/* Floating IP -> the last claim of it by another host (BPF-written, see struct egw_yield). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGW_LEASES_MAX);
	__type(key, __u32);
	__type(value, struct egw_yield);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_YIELDS SEC(".maps");

/* Written by userspace only: the applied program generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egw_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} EGW_MAP_STATE SEC(".maps");

#endif
