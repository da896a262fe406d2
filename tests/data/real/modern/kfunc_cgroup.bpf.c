// SPDX-License-Identifier: Apache-2.0
/* bpf_cgroup_from_id / bpf_cgroup_release: the level of the root cgroup. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

int level = -1;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cgroup *cg = bpf_cgroup_from_id(1);

	if (!cg)
		return 0;
	level = cg->level;
	bpf_cgroup_release(cg);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
