// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loop behind its enum guard: the call is dead before 5.17, but the callback's address
 * (BPF_PSEUDO_FUNC, 5.13+) is checked by the kernel whether or not it is reached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

static int add_one(u32 i, void *data)
{
	*(u64 *)data += i; /* FINDING */
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 key = 0;
	u64 sum = 0;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		bpf_loop(8, add_one, &sum, 0);
	else
		sum = 28;
	bpf_map_update_elem(&out, &key, &sum, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
