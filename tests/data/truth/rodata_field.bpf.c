// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only global guarding a relocation: with with_state=false (the default) the read
 * of task_struct->__state (5.14+) is dead, so 5.10 loads it (4.19: no .rodata map).
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* also record the task's state (needs task_struct->__state, 5.14+) */
const volatile bool with_state = false;

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
	u64 v = BPF_CORE_READ(t, tgid);

	if (with_state)
		v = BPF_CORE_READ(t, __state);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
