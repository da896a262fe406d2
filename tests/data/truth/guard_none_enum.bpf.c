// SPDX-License-Identifier: GPL-2.0
/*
 * An unguarded enum value: bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop) (5.17+).
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

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
	u64 v = bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop);

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
