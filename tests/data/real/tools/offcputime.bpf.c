// SPDX-License-Identifier: Apache-2.0
/* offcputime: time off CPU by stack (tp_btf, stack traces, task state helper). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "core_fixes.bpf.h"

struct key_t {
	u32 pid;
	int kern_stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(u32));
	__uint(value_size, 127 * sizeof(u64));
	__uint(max_entries, 1024);
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct key_t);
	__type(value, u64);
} info SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u32 pid = prev->pid, npid = next->pid;
	u64 ts = bpf_ktime_get_ns(), *tsp, delta;
	struct key_t key = {};

	if (get_task_state(prev) != 0)
		bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	tsp = bpf_map_lookup_elem(&start, &npid);
	if (!tsp)
		return 0;
	delta = (ts - *tsp) / 1000;
	key.pid = npid;
	key.kern_stack = bpf_get_stackid(ctx, &stackmap, 0);
	bpf_map_update_elem(&info, &key, &delta, BPF_NOEXIST);
	bpf_map_delete_elem(&start, &npid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
