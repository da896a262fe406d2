// SPDX-License-Identifier: GPL-2.0
/*
 * Global data (5.2+) and nothing else a 4.19 kernel lacks: a parameter (.rodata) and a
 * counter (.bss) beside a hash map, on the exec tracepoint.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Count only this process's children (0: every exec). */
const volatile u32 target_ppid = 0;
u64 execs = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	if (target_ppid && pid != target_ppid)
		return 0;
	__sync_fetch_and_add(&execs, 1);
	bpf_map_update_elem(&counts, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
