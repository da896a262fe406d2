// SPDX-License-Identifier: GPL-2.0
/* Branches on read-only globals: dead at their defaults, alive with other values. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___o {
	long state;
} __attribute__((preserve_access_index));

/* read task_struct.state, as kernels before 5.14 call it */
const volatile bool old_state = false;
/* 2: the coarse clock (5.11+) */
const volatile int clock = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[2]);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	u64 v[2];
	u32 key = 0;

	if (old_state)
		v[0] = BPF_CORE_READ((struct task_struct___o *)t, state);
	else
		v[0] = BPF_CORE_READ(t, __state);
	if (clock == 2)
		v[1] = bpf_ktime_get_coarse_ns();
	else
		v[1] = bpf_ktime_get_ns();
	bpf_map_update_elem(&out, &key, v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
