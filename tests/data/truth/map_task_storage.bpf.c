// SPDX-License-Identifier: GPL-2.0
/*
 * Task local storage (BPF_MAP_TYPE_TASK_STORAGE, 5.11+) from a tp_btf program.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} execs SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u64 *n = bpf_task_storage_get(&execs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
