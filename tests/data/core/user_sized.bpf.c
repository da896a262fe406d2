// SPDX-License-Identifier: GPL-2.0
/*
 * What profiling tools do: a stack map and a hash map that their user space sizes at run time
 * (max_entries 0 here), and a perf_event program that their user space attaches to a perf
 * event of its own (switched off when it is not wanted). The tracepoint counts execs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(u32));
	__uint(value_size, 127 * sizeof(u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int count_exec(void *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1, *n = bpf_map_lookup_elem(&counts, &tgid); /* FINDING */

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&counts, &tgid, &one, BPF_ANY);
	return 0;
}

SEC("perf_event")
int on_cpu(void *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	bpf_get_stackid(ctx, &stacks, 0);
	bpf_map_update_elem(&counts, &tgid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
