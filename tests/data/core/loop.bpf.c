// SPDX-License-Identifier: GPL-2.0
/* bpf_loop (5.17+) with a callback subprogram. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} sums SEC(".maps");

static int add_one(u32 index, void *ctx)
{
	*(u64 *)ctx += index;
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u64 sum = 0;
	u32 key = 0;

	bpf_loop(16, add_one, &sum, 0); /* FINDING */
	bpf_map_update_elem(&sums, &key, &sum, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
