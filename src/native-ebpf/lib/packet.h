/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef EGW_LIB_PACKET_H
#define EGW_LIB_PACKET_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * egw_ipv4_addrs: reads the source and destination address of an IPv4 packet behind an
 * Ethernet header. bpf_skb_load_bytes copes with non-linear skbs.
 * Returns:
 *   0  *saddr and *daddr are set
 *  -1  not IPv4, or too short to hold an IPv4 header
 */
static __always_inline int egw_ipv4_addrs(struct __sk_buff *skb, __u32 *saddr, __u32 *daddr)
{
	struct iphdr iph;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)) < 0)
		return -1;
	if (iph.version != 4)
		return -1;
	*saddr = iph.saddr;
	*daddr = iph.daddr;
	return 0;
}

#endif
