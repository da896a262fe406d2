// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loop behind its enum guard (BPF_FUNC_loop in enum bpf_func_id), else a sum computed
 * without it. The call is dead before 5.17, but its callback is not: the callback's address
 * is a BPF_PSEUDO_FUNC ld_imm64 (5.13+) and the callback a subprogram in the func info, both
 * checked by the kernel before any path is followed. So the guard does not help on 4.19 or
 * 5.10.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
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
