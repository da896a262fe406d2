// SPDX-License-Identifier: GPL-2.0
/* A guard that guards nothing: the check's result is stored, the value read unconditionally. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[2]);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u64 v[2];
	u32 key = 0;

	v[0] = bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop);
	v[1] = bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop); /* FINDING */
	if (v[0])
		bpf_map_update_elem(&out, &key, v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
