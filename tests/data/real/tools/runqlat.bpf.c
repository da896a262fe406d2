// SPDX-License-Identifier: Apache-2.0
/* runqlat: run queue latency histogram (raw tracepoints, local helper headers). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bits.bpf.h"
#include "maps.bpf.h"
#include "core_fixes.bpf.h"
#include "histogram.h"

#define TASK_RUNNING 0

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/* usecs */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

static struct hist zero;

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_wakeup, struct task_struct *p)
{
	u32 pid = BPF_CORE_READ(p, pid);
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u32 pid = BPF_CORE_READ(next, pid), key = 0;
	struct hist *h;
	u64 *tsp, slot;

	if (get_task_state(prev) == TASK_RUNNING) {
		u32 ppid = BPF_CORE_READ(prev, pid);
		u64 ts = bpf_ktime_get_ns();

		bpf_map_update_elem(&start, &ppid, &ts, BPF_ANY);
	}
	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	h = lookup_or_try_init(&hists, &key, &zero);
	if (h) {
		slot = log2l((bpf_ktime_get_ns() - *tsp) / 1000);
		if (slot >= MAX_SLOTS)
			slot = MAX_SLOTS - 1;
		__sync_fetch_and_add(&h->slots[slot], 1);
	}
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
