// SPDX-License-Identifier: GPL-2.0
/*
 * A guard that guards nothing: the result of bpf_core_enum_value_exists() is stored, and the
 * enum value BPF_MAP_TYPE_RINGBUF (5.8+) is read unconditionally. On 4.19 the value's
 * relocation is poisoned and reached.
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
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
	u32 key = 0;
	u64 has = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	u64 v = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);

	bpf_map_update_elem(&out, &key, &has, BPF_ANY);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
