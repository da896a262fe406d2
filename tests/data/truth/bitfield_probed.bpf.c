// SPDX-License-Identifier: GPL-2.0
/*
 * A bitfield read through bpf_probe_read: BPF_CORE_READ_BITFIELD_PROBED(t,
 * sched_reset_on_fork) (a 1-bit field of task_struct that every kernel here has, at
 * different offsets): byte size, byte offset and shifts are all relocated.
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
	struct task_struct *t = (void *)bpf_get_current_task();
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork);

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
