// SPDX-License-Identifier: GPL-2.0
/*
 * An LRU hash (4.10+) and a per-CPU array (4.6+), maps that every kernel here has.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} count SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u32 zero = 0;
	u64 ts = bpf_ktime_get_ns();
	u64 *c = bpf_map_lookup_elem(&count, &zero);

	if (c)
		*c += 1;
	bpf_map_update_elem(&last, &pid, &ts, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
