// SPDX-License-Identifier: GPL-2.0
/*
 * A renamed field through a flavor: task_struct->cpus_allowed (4.19) became cpus_mask (5.3).
 * bpf_core_field_exists() on the flavor task_struct___419 picks the one the kernel has.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___419 {
	cpumask_t cpus_allowed;
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
	struct task_struct___419 *old = (void *)t;
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v;

	if (bpf_core_field_exists(old->cpus_allowed))
		v = BPF_CORE_READ(old, cpus_allowed.bits[0]);
	else
		v = BPF_CORE_READ(t, cpus_mask.bits[0]);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
