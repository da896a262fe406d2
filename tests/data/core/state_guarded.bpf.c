// SPDX-License-Identifier: GPL-2.0
/* The portable way to read a task's state: __state on 5.14+, state before. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u32);
} states SEC(".maps");

static __always_inline u32 task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (u32)BPF_CORE_READ(old, state);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	u32 tgid = BPF_CORE_READ(task, tgid);
	u32 state = task_state(task);

	bpf_map_update_elem(&states, &tgid, &state, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
