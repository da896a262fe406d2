// SPDX-License-Identifier: GPL-2.0
/* Reads task_struct->__state without a guard: 5.14+ only (before, the field was 'state'). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u32);
} states SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	u32 tgid = BPF_CORE_READ(task, tgid);
	u32 state = BPF_CORE_READ(task, __state); /* FINDING */

	bpf_map_update_elem(&states, &tgid, &state, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
