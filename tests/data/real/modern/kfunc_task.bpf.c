// SPDX-License-Identifier: Apache-2.0
/* bpf_task_from_pid / bpf_task_release, declared by the server's vmlinux.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

u64 found;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (!t)
		return 0;
	found = t->pid;
	bpf_task_release(t);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
