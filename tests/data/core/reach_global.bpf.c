// SPDX-License-Identifier: GPL-2.0
/* The same with a global function: the verifier checks it alone, with any argument. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___o {
	long state;
} __attribute__((preserve_access_index));

__noinline u64 read_state(int has_new)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	if (has_new)
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)t, state); /* FINDING */
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return read_state(bpf_core_field_exists(t->__state)) == 12345;
}

char LICENSE[] SEC("license") = "GPL";
