// SPDX-License-Identifier: GPL-2.0
/*
 * An XDP program that passes every packet. It loads everywhere; attaching it needs a
 * network interface that the tool's user space names, so eucc-remote loads it and leaves it
 * unattached (run says so: not_attached, exit 2).
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
