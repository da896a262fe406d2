// SPDX-License-Identifier: Apache-2.0
/* bpf_core_type_matches (clang >= 15): pick the layout of task_struct's state the kernel has. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___new {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

u64 states[2];

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	void *t = (void *)bpf_get_current_task();

	if (bpf_core_type_matches(struct task_struct___new))
		states[0] = BPF_CORE_READ((struct task_struct___new *)t, __state);
	else
		states[1] = BPF_CORE_READ((struct task_struct___old *)t, state);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
