// SPDX-License-Identifier: GPL-2.0
/*
 * A bloom filter map (BPF_MAP_TYPE_BLOOM_FILTER, 5.16+) fed with bpf_map_push_elem.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1024);
	__type(value, u32);
} seen SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_push_elem(&seen, &pid, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
