/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * libegressgw: the thin C library the Java agent calls through jnr-ffi (io.egressgw.dataplane.NativeLibraries.Egw).
 * Everything here is a small wrapper around libbpf or a netlink / AF_PACKET socket; policy lives in
 * Java. Unless stated otherwise functions return 0 (or a count) on success and -errno on failure.
 */
#ifndef LIBEGRESSGW_H
#define LIBEGRESSGW_H

#include <stddef.h>
#include <stdint.h>

struct egressgw_bpf;

/* Opens the embedded BPF object; maps will be pinned under pin_root (created if missing). */
struct egressgw_bpf *egw_open(const char *pin_root);
/* Between open and load: this node's IPv4 (network order) and map capacities. */
int egw_set_node_ip(struct egressgw_bpf *obj, uint32_t node_ip_be);
int egw_set_max_entries(struct egressgw_bpf *obj, const char *map, uint32_t max_entries);
/* Loads the programs; creates or reuses the pinned maps. */
int egw_load(struct egressgw_bpf *obj);
void egw_close(struct egressgw_bpf *obj);
int egw_map_fd(struct egressgw_bpf *obj, const char *map);
int egw_prog_fd(struct egressgw_bpf *obj, const char *prog);
/* The kernel id of a program (or map) fd; -errno on failure. */
long egw_obj_id(int fd);

/* tc: creates the clsact qdisc if needed and attaches (replacing ours) at handle/priority EGW_TC_*. */
int egw_tc_attach(int ifindex, int ingress, int prog_fd);
/* The id of the program attached at our handle/priority, or -ENOENT. */
long egw_tc_query(int ifindex, int ingress);
int egw_tc_detach(int ifindex, int ingress);
/* tcx (kernel 6.6+): attach through a pinned bpf_link, or ask whether prog_id runs there. */
int egw_tcx_attach(int ifindex, int ingress, int prog_fd, uint32_t prog_id, const char *pin_path);
int egw_tcx_query(int ifindex, int ingress, uint32_t prog_id);

/* Link and tc events (see libegressgw.c): open the subscribed socket; wait for and format events. */
int egw_events_open(void);
int egw_events_wait(int fd, int timeout_ms, char *buf, int len);
void egw_events_close(int fd);

/* IPv4 addresses (network order) through rtnetlink. */
int egw_addr_add(int ifindex, uint32_t addr_be, int prefixlen, const char *label);
int egw_addr_del(int ifindex, uint32_t addr_be, int prefixlen);
/* Lines "ifindex\tlabel\ta.b.c.d\tprefixlen\n" for every IPv4 address; returns bytes written. */
int egw_addr_dump(char *buf, int len);
/* Lines "ifindex\tname\tkind\tflags\tpeer_elsewhere\n" for every link (kind "-" when none;
 * peer_elsewhere 1 when its peer is in another network namespace); returns bytes written. */
int egw_link_dump(char *buf, int len);

/* Gratuitous ARP (request and reply) for addr_be from ifindex. */
int egw_garp(int ifindex, uint32_t addr_be);
/* An RFC 5227 probe for addr_be (sender 0.0.0.0): whoever has it answers. */
int egw_arp_probe(int ifindex, uint32_t addr_be);
/* Neighbour resolution (see libegressgw.c): start it; read the NUD_* state (-ENOENT: none). */
int egw_neigh_use(int ifindex, uint32_t addr_be);
int egw_neigh_state(int ifindex, uint32_t addr_be);

/* Map helpers: one call instead of one JNI round trip per element. dump reads up to max entries
 * with BPF_MAP_LOOKUP_BATCH (a few syscalls per map), element by element where the map or kernel
 * has no batch lookup or a batch cannot go on; it returns the count or -errno. update_many and
 * delete_many use one BPF_MAP_*_BATCH syscall where the map type supports it (not atomic: a
 * failure leaves the elements before it written), one syscall per element otherwise; delete_many
 * skips missing keys. Both return n or -errno. */
int egw_map_dump(int fd, void *keys, void *values, uint32_t key_size, uint32_t value_size, int max);
int egw_map_update_many(int fd, const void *keys, const void *values, uint32_t key_size,
			uint32_t value_size, int n);
int egw_map_delete_many(int fd, const void *keys, uint32_t key_size, int n);

#endif
