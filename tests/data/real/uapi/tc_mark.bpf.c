// SPDX-License-Identifier: Apache-2.0
/* A tc classifier marking IPv6 packets (linux/pkt_cls.h return codes). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int mark_v6(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		skb->mark = 6;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
