// SPDX-License-Identifier: GPL-2.0
/*
 * A raw tracepoint (raw_tp/sched_switch, 4.17+; runqslower style): the next task's pid
 * from the raw arguments through bpf_probe_read.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("raw_tp/sched_switch")
int handle_switch(struct bpf_raw_tracepoint_args *ctx)
{
	/* sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next) */
	struct task_struct *next = (void *)ctx->args[2];
	u32 pid = BPF_CORE_READ(next, pid);
	u64 one = 1;

	bpf_map_update_elem(&out, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
