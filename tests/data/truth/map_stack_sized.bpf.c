// SPDX-License-Identifier: GPL-2.0
/*
 * A stack trace map sized in the object (127 frames, 1024 stacks), used by bpf_get_stackid
 * with BPF_F_USER_STACK (a #define in 4.19, an enum later: vmlinux.h is completed).
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(u32));
	__uint(value_size, 127 * sizeof(u64));
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
	s64 id = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);

	bpf_map_update_elem(&out, &pid, &id, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
