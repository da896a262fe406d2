// SPDX-License-Identifier: GPL-2.0
/* A guard's result passed to a static subprogram: the verifier knows it there. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___o {
	long state;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

static __noinline u64 read_state(struct task_struct *t, int has_new)
{
	if (has_new)
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)t, state);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	u64 v = read_state(t, bpf_core_field_exists(t->__state));
	u32 key = 0;

	bpf_map_update_elem(&out, &key, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
