// SPDX-License-Identifier: GPL-2.0
/* Relocations in subprograms: one called by the program, one that no program calls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u32);
} states SEC(".maps");

struct task_struct___fake {
	int eucc_no_such_field;
} __attribute__((preserve_access_index));

static __noinline u32 read_state(struct task_struct *t)
{
	return BPF_CORE_READ(t, __state); /* FINDING */
}

/* never called: libbpf does not load it, so it cannot break the load */
static __noinline __attribute__((used)) u32 unused_state(struct task_struct *t)
{
	struct task_struct___fake *f = (void *)t;

	return BPF_CORE_READ(t, __state) + BPF_CORE_READ(f, eucc_no_such_field);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	u32 tgid = BPF_CORE_READ(task, tgid);
	u32 state = read_state(task);

	bpf_map_update_elem(&states, &tgid, &state, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
