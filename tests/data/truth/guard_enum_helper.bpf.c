// SPDX-License-Identifier: GPL-2.0
/*
 * An enum value as a helper's guard: bpf_ktime_get_boot_ns (5.8+) is called only where
 * enum bpf_func_id has BPF_FUNC_ktime_get_boot_ns, else bpf_ktime_get_ns.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
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
	u64 v;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ktime_get_boot_ns))
		v = bpf_ktime_get_boot_ns();
	else
		v = bpf_ktime_get_ns();
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
