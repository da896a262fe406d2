// SPDX-License-Identifier: GPL-2.0
/*
 * A hash map that the tool's user space sizes at run time (max_entries 0 in the object,
 * bpf_map__set_max_entries before load). Run as its user space runs it, with the size given
 * (`run --map-size start=10240`), it loads everywhere; map_stack_user_sized is run without
 * its sizes.
 * RUN: --map-size start=10240
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
