// SPDX-License-Identifier: GPL-2.0
/*
 * Many kinds of CO-RE relocation (nested and embedded fields, pointers chased, strings,
 * bitfields, a guarded field of an older kernel, type and enum relocations), global data and
 * a ring buffer: loaded and attached on the test machine with a minimized BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

struct event {
	u32 tgid;
	u32 ppid;
	u64 vruntime;
	u64 start;
	u64 arg_start;
	u32 state;
	u32 flags;
	int prio;
	u32 reset_on_fork;
	u32 pidtype;
	u32 task_size;
	u16 filename_loc;
	char comm[16];
};

/* Only events of this process (0: all). */
const volatile u32 target_tgid = 0;
u64 exec_count = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, struct event);
} last SEC(".maps");

static __always_inline u32 task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (u32)BPF_CORE_READ(old, state);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct event e = {};

	e.tgid = BPF_CORE_READ(task, tgid);
	if (target_tgid && e.tgid != target_tgid)
		return 0;
	e.ppid = BPF_CORE_READ(task, real_parent, tgid);
	e.vruntime = BPF_CORE_READ(task, se.vruntime);
	e.start = BPF_CORE_READ(task, start_time);
	e.arg_start = BPF_CORE_READ(task, mm, arg_start);
	e.state = task_state(task);
	e.flags = BPF_CORE_READ(task, flags);
	e.prio = BPF_CORE_READ(task, prio);
	e.reset_on_fork = BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork);
	e.pidtype = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	e.task_size = bpf_core_type_size(struct task_struct);
	e.filename_loc = ctx->__data_loc_filename & 0xffff;
	BPF_CORE_READ_STR_INTO(&e.comm, task, comm);
	__sync_fetch_and_add(&exec_count, 1);
	bpf_map_update_elem(&last, &e.tgid, &e, BPF_ANY);
	bpf_ringbuf_output(&events, &e, sizeof(e), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
