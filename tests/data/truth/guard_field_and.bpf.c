// SPDX-License-Identifier: GPL-2.0
/*
 * Two guards joined by &&: task_struct->__state (5.14+) and request_queue->disk (5.15+)
 * must both exist before either is read; else only fields every kernel has are read.
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

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct request_queue *q = (void *)t;
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v;

	if (bpf_core_field_exists(t->__state) && bpf_core_field_exists(q->disk))
		v = BPF_CORE_READ(t, __state) + (u64)BPF_CORE_READ(q, disk);
	else
		v = BPF_CORE_READ(t, tgid);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
