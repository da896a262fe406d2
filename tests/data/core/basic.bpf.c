// SPDX-License-Identifier: GPL-2.0
/* Portable everywhere (4.19 to 6.x): one CO-RE read, a hash map, a perf buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	u32 tgid = BPF_CORE_READ(task, tgid);
	u64 one = 1;

	bpf_map_update_elem(&counts, &tgid, &one, BPF_ANY);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &tgid, sizeof(tgid));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
