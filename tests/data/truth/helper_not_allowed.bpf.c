// SPDX-License-Identifier: GPL-2.0
/*
 * A helper that the program type may not call: bpf_get_socket_cookie (a socket helper) in
 * a raw_tp program. Every kernel has the helper, none lets a raw tracepoint call it.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=refused local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("raw_tp/sched_switch")
int handle_switch(struct bpf_raw_tracepoint_args *ctx)
{
	u32 key = 0;
	u64 v = bpf_get_socket_cookie((void *)ctx->args[1]);

	bpf_map_update_elem(&out, &key, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
