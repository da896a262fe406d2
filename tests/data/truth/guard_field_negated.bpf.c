// SPDX-License-Identifier: GPL-2.0
/*
 * A negated guard: if task_struct->__state does NOT exist read the old `state`, else
 * `__state`. The same two reads as guard_field_own, with the branches the other way round.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v;

	if (!bpf_core_field_exists(t->__state))
		v = BPF_CORE_READ((struct task_struct___old *)t, state);
	else
		v = BPF_CORE_READ(t, __state);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
