// SPDX-License-Identifier: GPL-2.0
/*
 * No guard at all: task_struct->__state (renamed from `state` in 5.14) read unconditionally.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
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
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = BPF_CORE_READ(t, __state);

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
