// SPDX-License-Identifier: GPL-2.0
/*
 * A tracepoint with a typed context: trace_event_raw_sched_process_exec, whose fields
 * (pid, old_pid) are read through CO-RE relocations of the context.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
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
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	u32 pid = ctx->pid;
	u64 v = ctx->old_pid;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
