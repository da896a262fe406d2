// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel function called from BPF (kfunc): bpf_rcu_read_lock/unlock (6.2+) around a
 * direct read in a tp_btf program. libbpf resolves the kfuncs in the kernel's own BTF.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 pid = p->tgid;
	u64 v;

	bpf_rcu_read_lock();
	v = p->prio;
	bpf_rcu_read_unlock();
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
