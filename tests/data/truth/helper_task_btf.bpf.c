// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_get_current_task_btf (5.11+) in a tracepoint program: a BTF-typed task pointer read
 * directly, no bpf_probe_read.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	u32 pid = t->tgid;
	u64 v = t->prio;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
