// SPDX-License-Identifier: GPL-2.0
/* One of each kind of finding, for the wording of the messages. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* what a program might believe task_struct looks like, wrongly */
struct task_struct___wrong {
	void *tgid;
	char comm[32];
} __attribute__((preserve_access_index));

struct eucc_no_such_struct {
	int a;
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int relocations(void *ctx)
{
	struct task_struct___wrong *t = (void *)bpf_get_current_task();
	u64 v[4];
	u32 k = 0;

	v[0] = (u64)BPF_CORE_READ(t, tgid);
	v[1] = BPF_CORE_READ(t, comm[20]);
	v[2] = bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop);
	v[3] = bpf_core_type_size(struct eucc_no_such_struct);
	bpf_map_update_elem(&out, &k, v, BPF_ANY);
	return 0;
}

SEC("fentry/eucc_no_such_function")
int BPF_PROG(fentry_missing)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int syscall_tp(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kfuncs)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

	if (t)
		bpf_task_release(t);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
