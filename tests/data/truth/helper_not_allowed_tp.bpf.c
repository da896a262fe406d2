// SPDX-License-Identifier: GPL-2.0
/*
 * Another helper outside the program type: bpf_skb_load_bytes (socket buffers only) in a
 * tracepoint program.
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

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 key = 0;
	u64 v = 0;

	bpf_skb_load_bytes(ctx, 0, &v, sizeof(v));
	bpf_map_update_elem(&out, &key, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
