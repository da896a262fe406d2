// SPDX-License-Identifier: GPL-2.0
/*
 * runqlat: run-queue latency, the time tasks wait between being woken up and running on a
 * CPU, as a log2 histogram in microseconds (printed by `eucc-remote run` at the end).
 * A task enters the run queue on sched_wakeup/sched_wakeup_new, or on sched_switch when it is
 * switched out still runnable (preempted); the time is kept per pid, and on sched_switch the
 * task switched in (`next`) adds its wait to the histogram.
 *
 * Kernels: 4.19 and later. Raw tracepoints (4.17) read with BPF_CORE_READ (bpf_probe_read on
 * kernels before 5.5), a hash and an array map, no loop (bounded loops came with 5.3), no
 * global data (5.2), so no parameters: the histogram covers every task. The task state is
 * `__state` since 5.14 and `state` before: both are read through CO-RE flavors, guarded by
 * bpf_core_field_exists, so one object serves both (and compiles against either header).
 * On 4.19 the check says `warning`: sched_wakeup and sched_wakeup_new are DEFINE_EVENTs of
 * one class, and a 4.19 BTF (older than btf_trace_* types) cannot show that they exist.
 *
 *   eucc-remote compile runqlat.bpf.c --kernel 4.19 --kernel 6.1 -o runqlat.eucc
 *   eucc-remote run runqlat.eucc --duration 10
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <eucc/eucc.h>

#define MAX_SLOTS 26
#define MAX_ENTRIES 10240

struct hist {
	u32 slots[MAX_SLOTS];
};

/* pid -> wakeup time (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/* the histogram: slot i counts latencies in [2^i, 2^(i+1)) us */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

/* task_struct's state, as 5.14+ and as older kernels name it */
struct task_struct___new {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___new *tn = (void *)t;

	if (bpf_core_field_exists(tn->__state))
		return BPF_CORE_READ(tn, __state);
	return BPF_CORE_READ((struct task_struct___old *)t, state);
}

/* floor(log2(v)), no loop */
static __always_inline u32 log2_u32(u32 v)
{
	u32 r, s;

	r = (v > 0xffff) << 4;
	v >>= r;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
}

static __always_inline u64 log2_u64(u64 v)
{
	u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32((u32)v);
}

static __always_inline int trace_enqueue(struct task_struct *p)
{
	u32 pid = BPF_CORE_READ(p, pid);
	u64 ts;

	if (!pid) /* the idle task */
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_sched_wakeup, struct task_struct *p)
{
	return trace_enqueue(p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new, struct task_struct *p)
{
	return trace_enqueue(p);
}

/* sched_switch(bool preempt, prev, next[, prev_state since 5.18]): next stays the third */
SEC("raw_tp/sched_switch")
int BPF_PROG(handle_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u32 pid = BPF_CORE_READ(next, pid), zero = 0;
	u64 *tsp, delta_us, slot;
	struct hist *h;

	if (task_state(prev) == 0) /* TASK_RUNNING: preempted, back in the queue */
		trace_enqueue(prev);
	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&start, &pid);
	h = bpf_map_lookup_elem(&hists, &zero);
	if (!h)
		return 0;
	slot = log2_u64(delta_us);
	/* Without the barrier clang, knowing the slot fits in 32 bits, checks the bound on a
	 * zero-extended copy and indexes with the original register: the verifiers of 5.10
	 * and older reject that ("R0 unbounded memory access"). */
	barrier_var(slot);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
