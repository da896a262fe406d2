// SPDX-License-Identifier: GPL-2.0
/* Reads a whole task_struct without naming a member: its own header only declares the record,
 * so it compiles against the full header. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/sched/sched_process_exec")
int whole_task(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return sizeof(*t) > 64 ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
