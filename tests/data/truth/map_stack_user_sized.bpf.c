// SPDX-License-Identifier: GPL-2.0
/*
 * A stack trace map sized by user space (offcputime/profile style: max_entries 0 and the
 * value size set from --perf-max-stack-depth), used by bpf_get_stackid. Run as the package
 * is, without its user space's sizes, no kernel creates the map.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=refused local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(u32));
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, s64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	s64 id = bpf_get_stackid(ctx, &stackmap, 0);

	bpf_map_update_elem(&out, &pid, &id, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
