// SPDX-License-Identifier: GPL-2.0
/*
 * The same branch with the parameter's default true: bpf_ktime_get_tai_ns (6.1+) is on the
 * path at the default, so 5.10 refuses it (and 4.19 the .rodata map).
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* time stamps from CLOCK_TAI (6.1+) instead of CLOCK_MONOTONIC */
const volatile bool use_tai = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v;

	if (use_tai)
		v = bpf_ktime_get_tai_ns();
	else
		v = bpf_ktime_get_ns();
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
