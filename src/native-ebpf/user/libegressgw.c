// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egressgw.h"
#include "libegressgw.h"
#include "egressgw.skel.h"

#define EGW_STR2(x) #x
#define EGW_STR(x) EGW_STR2(x)

struct egressgw_bpf *egw_open(const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);

	if (mkdir(pin_root, 0700) < 0 && errno != EEXIST)
		return NULL;
	return egressgw_bpf__open_opts(&opts);
}

int egw_set_node_ip(struct egressgw_bpf *obj, uint32_t node_ip_be)
{
	obj->rodata->egw_node_ip = node_ip_be;
	return 0;
}

int egw_set_max_entries(struct egressgw_bpf *obj, const char *map, uint32_t max_entries)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj->obj, map);

	return m ? bpf_map__set_max_entries(m, max_entries) : -ENOENT;
}

int egw_load(struct egressgw_bpf *obj)
{
	return egressgw_bpf__load(obj);
}

void egw_close(struct egressgw_bpf *obj)
{
	egressgw_bpf__destroy(obj);
}

int egw_map_fd(struct egressgw_bpf *obj, const char *map)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj->obj, map);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int egw_prog_fd(struct egressgw_bpf *obj, const char *prog)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj->obj, prog);

	return p ? bpf_program__fd(p) : -ENOENT;
}

long egw_obj_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);

	return err ? err : (long)info.id;
}

int egw_tc_attach(int ifindex, int ingress, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGW_TC_HANDLE, .priority = EGW_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	/* EEXIST is the normal case: keep libbpf from logging the kernel's message for it */
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int err = bpf_tc_hook_create(&hook);

	libbpf_set_print(old);
	/* the clsact qdisc is shared with other tc users: never destroy it, reuse it */
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

long egw_tc_query(int ifindex, int ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGW_TC_HANDLE, .priority = EGW_TC_PRIORITY);
	/* "not attached" is an answer here, not an error worth logging */
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int err = bpf_tc_query(&hook, &opts);

	libbpf_set_print(old);
	return err ? err : (long)opts.prog_id;
}

int egw_tc_detach(int ifindex, int ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGW_TC_HANDLE, .priority = EGW_TC_PRIORITY);

	return bpf_tc_detach(&hook, &opts);
}

/* ---- tcx (bpf_link) attachment of the uplink's programs ---- */

/* Debian 12's UAPI headers predate tcx (kernel 6.6); the kernel's numbers are stable ABI. */
#ifndef BPF_TCX_INGRESS
#define EGW_TCX_INGRESS 46
#define EGW_TCX_EGRESS 47
#else
#define EGW_TCX_INGRESS BPF_TCX_INGRESS
#define EGW_TCX_EGRESS BPF_TCX_EGRESS
#endif

/* 1 when prog_id runs on the tcx hook of ifindex, 0 when not, -errno when tcx cannot be asked. */
int egw_tcx_query(int ifindex, int ingress, uint32_t prog_id)
{
	__u32 ids[64];
	LIBBPF_OPTS(bpf_prog_query_opts, opts, .prog_ids = ids, .prog_cnt = 64);
	int err = bpf_prog_query_opts(
		ifindex, (enum bpf_attach_type)(ingress ? EGW_TCX_INGRESS : EGW_TCX_EGRESS), &opts);

	if (err)
		return err;
	for (__u32 i = 0; i < opts.prog_cnt && i < 64; i++)
		if (ids[i] == prog_id)
			return 1;
	return 0;
}

/*
 * Attaches prog to the tcx hook of ifindex through a bpf_link pinned at pin_path, unless prog_id
 * already runs there. tcx links do not live in the clsact qdisc: `tc qdisc del dev X clsact` (a
 * CNI's or an operator's) leaves them in place, so steering never silently stops. A pinned link
 * from a previous agent process is switched to prog atomically (bpf_link_update), as
 * BPF_TC_F_REPLACE does for classic filters; a link left on a vanished interface is replaced.
 * Returns 0 when nothing changed, 1 when attached or switched, -errno (e.g. -EINVAL on a kernel
 * without tcx, where the caller falls back to a classic tc filter).
 */
int egw_tcx_attach(int ifindex, int ingress, int prog_fd, uint32_t prog_id, const char *pin_path)
{
	int type = ingress ? EGW_TCX_INGRESS : EGW_TCX_EGRESS;
	int fd, err;

	if (egw_tcx_query(ifindex, ingress, prog_id) == 1)
		return 0;
	fd = bpf_obj_get(pin_path);
	if (fd >= 0) {
		err = bpf_link_update(fd, prog_fd, NULL);
		if (!err && egw_tcx_query(ifindex, ingress, prog_id) == 1) {
			close(fd);
			return 1;
		}
		/* defunct (its interface went away) or on another interface: replace it */
		bpf_link_detach(fd);
		close(fd);
		unlink(pin_path);
	}
	fd = bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)type, NULL);
	if (fd < 0)
		return fd;
	err = bpf_obj_pin(fd, pin_path);
	close(fd); /* unpinned, this detaches it again */
	return err ? err : 1;
}

/* ---- link and tc events ---- */

/*
 * A netlink socket subscribed to link and tc events of this network namespace, so that the agent
 * attaches to a new pod interface when it appears (not at the next poll) and re-attaches when
 * someone deletes a qdisc or filter. Returns the socket fd or -errno.
 */
int egw_events_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_TC };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int size = 1 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void egw_events_close(int fd)
{
	close(fd);
}

static int link_line(struct nlmsghdr *h, char *out, int len);

/*
 * Waits up to timeout_ms for events and writes one line per event into buf: "L\t" + a link line
 * (as egw_link_dump) for a new or changed link, "T\t<ifindex>\n" for a deleted qdisc or filter,
 * "O\n" when the socket overflowed (events were lost: reconcile everything). Returns bytes written
 * (0: timeout) or -errno.
 */
int egw_events_wait(int fd, int timeout_ms, char *buf, int len)
{
	char rbuf[16384];
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	fd_set set;
	int used = 0;

	FD_ZERO(&set);
	FD_SET(fd, &set);
	int ready = select(fd + 1, &set, NULL, NULL, &tv);
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	while (ready > 0 && len - used > 64) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == ENOBUFS) {
				used += snprintf(buf + used, len - used, "O\n");
				continue;
			}
			break; /* EAGAIN: drained */
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (len - used < 64)
				break;
			if (h->nlmsg_type == RTM_NEWLINK) {
				used += snprintf(buf + used, len - used, "L\t");
				int w = link_line(h, buf + used, len - used);
				used += w > 0 ? w : 0;
			} else if (h->nlmsg_type == RTM_DELQDISC ||
				   h->nlmsg_type == RTM_DELTFILTER) {
				struct tcmsg *t = NLMSG_DATA(h);
				used += snprintf(buf + used, len - used, "T\t%d\n", t->tcm_ifindex);
			}
		}
	}
	return used;
}

/* ---- rtnetlink ---- */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct ifinfomsg ifi;
		struct ndmsg ndm;
	};
	char attrs[256];
};

static void nl_attr(struct nl_req *req, int type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Sends one request and reads the answer: returns the kernel's -errno (0: done) from its ack, or,
 * when reply is given, what reply() returns for the first message of another type.
 */
static int nl_exchange(struct nl_req *req, int (*reply)(struct nlmsghdr *h))
{
	char buf[4096];
	int fd = nl_open(), err = -EIO;
	ssize_t n;

	if (fd < 0)
		return fd;
	req->nh.nlmsg_flags |= NLM_F_REQUEST | (reply ? 0 : NLM_F_ACK);
	req->nh.nlmsg_seq = 1;
	if (send(fd, req, req->nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			break;
		}
		if (reply) {
			err = reply(h);
			break;
		}
	}
out:
	close(fd);
	return err;
}

/* Sends one request and waits for its ack; returns 0 or the kernel's -errno. */
static int nl_transact(struct nl_req *req)
{
	return nl_exchange(req, NULL);
}

static int addr_request(int type, int flags, int ifindex, uint32_t addr_be, int prefixlen,
			const char *label)
{
	struct nl_req req = {};

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = flags;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = prefixlen;
	req.ifa.ifa_index = ifindex;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	nl_attr(&req, IFA_LOCAL, &addr_be, 4);
	nl_attr(&req, IFA_ADDRESS, &addr_be, 4);
	if (label && *label)
		nl_attr(&req, IFA_LABEL, label, strnlen(label, IFNAMSIZ - 1) + 1);
	return nl_transact(&req);
}

int egw_addr_add(int ifindex, uint32_t addr_be, int prefixlen, const char *label)
{
	return addr_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr_be, prefixlen,
			    label);
}

int egw_addr_del(int ifindex, uint32_t addr_be, int prefixlen)
{
	return addr_request(RTM_DELADDR, 0, ifindex, addr_be, prefixlen, NULL);
}

static void neigh_req(struct nl_req *req, int type, int ifindex, uint32_t addr_be)
{
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req->nh.nlmsg_type = type;
	req->ndm.ndm_family = AF_INET;
	req->ndm.ndm_ifindex = ifindex;
	nl_attr(req, NDA_DST, &addr_be, 4);
}

/*
 * Starts resolution of the neighbour addr on ifindex (creating the entry when missing): what the
 * kernel does for a packet sent to it, without a packet. bpf_redirect_neigh() cannot be trusted with
 * an unresolved neighbour: the skb queued for resolution keeps its route, and once resolved the
 * kernel sends it to that route's next hop (the default router) instead of the gateway.
 */
int egw_neigh_use(int ifindex, uint32_t addr_be)
{
	struct nl_req req = {};

	neigh_req(&req, RTM_NEWNEIGH, ifindex, addr_be);
	req.nh.nlmsg_flags = NLM_F_CREATE;
	req.ndm.ndm_state = NUD_NONE;
	req.ndm.ndm_flags = NTF_USE;
	return nl_transact(&req);
}

static int neigh_state_of(struct nlmsghdr *h)
{
	return h->nlmsg_type == RTM_NEWNEIGH ? ((struct ndmsg *)NLMSG_DATA(h))->ndm_state : -EIO;
}

/* The NUD_* state of the neighbour addr on ifindex; -ENOENT when the kernel has no entry. */
int egw_neigh_state(int ifindex, uint32_t addr_be)
{
	struct nl_req req = {};

	neigh_req(&req, RTM_GETNEIGH, ifindex, addr_be);
	return nl_exchange(&req, neigh_state_of);
}

typedef int (*nl_line_fn)(struct nlmsghdr *h, char *out, int len);

/* Runs a dump request and formats each answer with fn into buf; returns bytes written. */
static int nl_dump(int type, int family, nl_line_fn fn, char *buf, int len)
{
	struct nl_req req = {};
	const size_t rlen = 65536;
	char *rbuf = malloc(rlen);
	int fd = nl_open(), used = 0, done = 0, err = 0;

	if (fd < 0 || !rbuf) {
		free(rbuf);
		return fd < 0 ? fd : -ENOMEM;
	}
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	if (type == RTM_GETADDR) {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		req.ifa.ifa_family = family;
	} else {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
		req.ifi.ifi_family = family;
	}
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		ssize_t n = recv(fd, rbuf, rlen, 0);

		if (n < 0) {
			err = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;
			}
			int w = fn(h, buf + used, len - used);
			if (w < 0) {
				err = -ENOSPC;
				goto out;
			}
			used += w;
		}
	}
out:
	close(fd);
	free(rbuf);
	return err ? err : used;
}

static int addr_line(struct nlmsghdr *h, char *out, int len)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int alen = IFA_PAYLOAD(h), w;
	char label[IFNAMSIZ] = "-", ip[INET_ADDRSTRLEN] = "";
	uint32_t local = 0, address = 0;
	int have_local = 0;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == IFA_LOCAL) {
			memcpy(&local, RTA_DATA(a), 4);
			have_local = 1;
		} else if (a->rta_type == IFA_ADDRESS) {
			memcpy(&address, RTA_DATA(a), 4);
		} else if (a->rta_type == IFA_LABEL) {
			snprintf(label, sizeof(label), "%s", (char *)RTA_DATA(a));
		}
	}
	if (!have_local)
		local = address;
	inet_ntop(AF_INET, &local, ip, sizeof(ip));
	w = snprintf(out, len, "%u\t%s\t%s\t%u\n", ifa->ifa_index, label, ip, ifa->ifa_prefixlen);
	return w >= len ? -1 : w;
}

static int link_line(struct nlmsghdr *h, char *out, int len)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int alen = IFLA_PAYLOAD(h), w;
	char name[IFNAMSIZ] = "?", kind[32] = "-";
	int peer_elsewhere = 0;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == IFLA_LINK_NETNSID) {
			/* the peer (of a veth) lives in another network namespace: a pod's */
			peer_elsewhere = 1;
		} else if (a->rta_type == IFLA_IFNAME) {
			snprintf(name, sizeof(name), "%s", (char *)RTA_DATA(a));
		} else if (a->rta_type == IFLA_LINKINFO) {
			int ilen = RTA_PAYLOAD(a);
			for (struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
				if (i->rta_type == IFLA_INFO_KIND)
					snprintf(kind, sizeof(kind), "%s", (char *)RTA_DATA(i));
		}
	}
	w = snprintf(out, len, "%d\t%s\t%s\t%u\t%d\n", ifi->ifi_index, name, kind, ifi->ifi_flags,
		     peer_elsewhere);
	return w >= len ? -1 : w;
}

int egw_addr_dump(char *buf, int len)
{
	return nl_dump(RTM_GETADDR, AF_INET, addr_line, buf, len);
}

int egw_link_dump(char *buf, int len)
{
	return nl_dump(RTM_GETLINK, AF_UNSPEC, link_line, buf, len);
}

/* ---- gratuitous ARP ---- */

struct arp_ipv4 {
	struct arphdr hdr;
	unsigned char sha[ETH_ALEN];
	unsigned char sip[4];
	unsigned char tha[ETH_ALEN];
	unsigned char tip[4];
} __attribute__((packed));

/*
 * One packet socket, kept open for the network namespace it was made in. Closing a packet socket
 * waits for an RCU grace period (synchronize_net in packet_release), 10-18 ms measured in the lab,
 * which a failover paid for every floating IP it announced. Protocol 0: the socket only sends, so
 * no ARP traffic queues up on it. Made again when the calling thread is in another namespace.
 */
static pthread_mutex_t garp_lock = PTHREAD_MUTEX_INITIALIZER;
static int garp_fd = -1;
static dev_t garp_ns_dev;
static ino_t garp_ns_ino;

/* The send socket for this thread's network namespace; call with garp_lock held. */
static int garp_socket(void)
{
	struct stat ns;

	if (stat("/proc/thread-self/ns/net", &ns) < 0)
		return -errno;
	if (garp_fd >= 0 && ns.st_dev == garp_ns_dev && ns.st_ino == garp_ns_ino)
		return garp_fd;
	if (garp_fd >= 0)
		close(garp_fd);
	garp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (garp_fd < 0)
		return -errno;
	garp_ns_dev = ns.st_dev;
	garp_ns_ino = ns.st_ino;
	return garp_fd;
}

/*
 * ARP for addr_be on ifindex. An announcement (probe == 0): a gratuitous request and reply with
 * addr_be as sender. A probe (RFC 5227, probe != 0): a request with sender 0.0.0.0, which a host
 * that has addr_be answers with addr_be as sender, so that the uplink program records its claim.
 */
static int egw_arp_send(int ifindex, uint32_t addr_be, int probe)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = ifindex,
				  .sll_halen = ETH_ALEN };
	struct ifreq ifr = {};
	struct arp_ipv4 arp = {};
	int fd, err = 0;

	pthread_mutex_lock(&garp_lock);
	fd = garp_socket();
	if (fd < 0) {
		err = fd;
		goto out;
	}
	if (!if_indextoname(ifindex, ifr.ifr_name) || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	memset(to.sll_addr, 0xff, ETH_ALEN);
	arp.hdr.ar_hrd = htons(ARPHRD_ETHER);
	arp.hdr.ar_pro = htons(ETH_P_IP);
	arp.hdr.ar_hln = ETH_ALEN;
	arp.hdr.ar_pln = 4;
	memcpy(arp.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (!probe)
		memcpy(arp.sip, &addr_be, 4);
	memcpy(arp.tip, &addr_be, 4);
	/* both forms: some hosts only update their cache from one of them */
	arp.hdr.ar_op = htons(ARPOP_REQUEST);
	if (sendto(fd, &arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		err = -errno;
		goto out;
	}
	if (probe)
		goto out;
	arp.hdr.ar_op = htons(ARPOP_REPLY);
	memset(arp.tha, 0xff, ETH_ALEN);
	if (sendto(fd, &arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		err = -errno;
out:
	pthread_mutex_unlock(&garp_lock);
	return err;
}

int egw_garp(int ifindex, uint32_t addr_be)
{
	return egw_arp_send(ifindex, addr_be, 0);
}

int egw_arp_probe(int ifindex, uint32_t addr_be)
{
	return egw_arp_send(ifindex, addr_be, 1);
}

/* ---- map helpers ---- */

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's "operation not supported" for a map without batch ops */
#endif

/* Whether err from a batch call with nothing processed means the map type has no batch op. */
static int egw_batch_unsupported(int err, __u32 processed)
{
	return processed == 0 && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP);
}

/* The dump one element at a time: for a map or kernel without BPF_MAP_LOOKUP_BATCH. */
static int egw_map_dump_each(int fd, void *keys, void *values, uint32_t key_size,
			     uint32_t value_size, int max)
{
	char prev[64], cur[64];
	int n = 0, err;
	void *prevp = NULL;

	if (key_size > sizeof(cur))
		return -EINVAL;
	while (n < max) {
		err = bpf_map_get_next_key(fd, prevp, cur);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		err = bpf_map_lookup_elem(fd, cur, (char *)values + (size_t)n * value_size);
		if (err == -ENOENT) { /* deleted meanwhile: skip */
			memcpy(prev, cur, key_size);
			prevp = prev;
			continue;
		}
		if (err)
			return err;
		memcpy((char *)keys + (size_t)n * key_size, cur, key_size);
		memcpy(prev, cur, key_size);
		prevp = prev;
		n++;
	}
	return n;
}

int egw_map_dump(int fd, void *keys, void *values, uint32_t key_size, uint32_t value_size, int max)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	/* where the next batch starts: a bucket index for hash maps, a key for the others */
	char in[64], out[64];
	void *inp = NULL;
	int n = 0, err;

	if (key_size > sizeof(out))
		return -EINVAL;
	while (n < max) {
		__u32 count = max - n;

		err = bpf_map_lookup_batch(fd, inp, out, (char *)keys + (size_t)n * key_size,
					   (char *)values + (size_t)n * value_size, &count, &opts);
		if (err == -ENOENT) /* the end of the map: count holds the last few */
			return n + (int)count;
		if (err || count == 0) {
			/* no batch op, or a batch that could not go on (ENOSPC: a hash bucket larger
			 * than the room left; EINTR: entries deleted under it): read it again element
			 * by element, as before batch lookups */
			return egw_map_dump_each(fd, keys, values, key_size, value_size, max);
		}
		n += count;
		memcpy(in, out, sizeof(in));
		inp = in;
	}
	return n;
}

int egw_map_update_many(int fd, const void *keys, const void *values, uint32_t key_size,
			uint32_t value_size, int n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = n;
	int err;

	if (n <= 0)
		return 0;
	/* one syscall for all elements where the map type has batch ops (hash, LPM trie) */
	err = bpf_map_update_batch(fd, keys, values, &count, &opts);
	if (!err)
		return n;
	if (!egw_batch_unsupported(err, count))
		return err;
	for (int i = 0; i < n; i++) {
		err = bpf_map_update_elem(fd, (const char *)keys + (size_t)i * key_size,
					  (const char *)values + (size_t)i * value_size, BPF_ANY);
		if (err)
			return err;
	}
	return n;
}

int egw_map_delete_many(int fd, const void *keys, uint32_t key_size, int n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int done = 0, err;

	while (done < n) {
		__u32 count = n - done;

		err = bpf_map_delete_batch(fd, (const char *)keys + (size_t)done * key_size, &count,
					   &opts);
		if (!err)
			return n;
		if (done == 0 && egw_batch_unsupported(err, count))
			break;
		if (err != -ENOENT)
			return err;
		/* the batch stops at a missing key: skip it (already gone) and go on after it */
		done += count + 1;
	}
	if (done >= n)
		return n;
	for (int i = 0; i < n; i++) {
		err = bpf_map_delete_elem(fd, (const char *)keys + (size_t)i * key_size);
		if (err && err != -ENOENT)
			return err;
	}
	return n;
}
