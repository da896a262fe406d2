// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loop (5.17+): a callback run 8 times, its sum into the map.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

static int add_one(u32 i, void *data)
{
	*(u64 *)data += i;
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 key = 0;
	u64 sum = 0;

	bpf_loop(8, add_one, &sum, 0);
	bpf_map_update_elem(&out, &key, &sum, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
