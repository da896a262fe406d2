// SPDX-License-Identifier: Apache-2.0
/* An RCU read section with bpf_rcu_read_lock / bpf_rcu_read_unlock around a parent walk. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int parent_pid;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *parent;

	bpf_rcu_read_lock();
	parent = p->real_parent;
	if (parent)
		parent_pid = parent->tgid;
	bpf_rcu_read_unlock();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
