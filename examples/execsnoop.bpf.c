// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: one line per exec(), with the process id, its parent's process id, the user id
 * and the new command name.
 *
 * Kernels: 4.19 and later (also 4.19 kernels that ship no BTF, with the package's bundled
 * BTF). That is why it uses nothing newer than 4.19 has: a tracepoint program, a perf event
 * array (no ring buffer, 5.8), bpf_perf_event_output/bpf_get_current_* helpers, and no global
 * data (no .rodata/.data/.bss, 5.2), so it takes no parameters. BPF_CORE_READ's
 * bpf_probe_read_kernel is turned into bpf_probe_read by libbpf on kernels before 5.5.
 *
 *   eucc-remote compile execsnoop.bpf.c --kernel 4.19 --kernel 5.10 --kernel 6.1 -o execsnoop.eucc
 *   eucc-remote run execsnoop.eucc
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <eucc/eucc.h>

#define TASK_COMM_LEN 16

struct event {
	u32 pid;
	u32 ppid;
	u32 uid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

EUCC_EVENT(events, struct event);

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event e = {};

	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.ppid = BPF_CORE_READ(task, real_parent, tgid);
	e.uid = (u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
