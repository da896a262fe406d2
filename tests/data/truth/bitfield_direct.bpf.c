// SPDX-License-Identifier: GPL-2.0
/*
 * A bitfield read directly (BPF_CORE_READ_BITFIELD, no bpf_probe_read) from a BTF-typed
 * pointer: the task argument of a tp_btf program (BPF_PROG_TYPE_TRACING, 5.5+).
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = BPF_CORE_READ_BITFIELD(task, sched_reset_on_fork);

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
