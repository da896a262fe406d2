// SPDX-License-Identifier: GPL-2.0
/* Follows seq_file->op: in pahole-made 4.19 BTF that is the second of two struct
 * seq_operations, which the full header prints as seq_operations___2. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

SEC("tracepoint/sched/sched_process_exec")
int seq_op(void *ctx)
{
	struct seq_file *f = (void *)bpf_get_current_task();

	return BPF_CORE_READ(f, op) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
