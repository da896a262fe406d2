// SPDX-License-Identifier: Apache-2.0
/* A tracepoint with its own context struct (from the format file), no kernel header at all:
 * its own types and constants must not meet the kernel's. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* /sys/kernel/tracing/events/sched/sched_process_exec/format */
struct sched_process_exec_ctx {
	__u64 common;
	int filename_loc;
	int pid;
	int old_pid;
};

/* a struct named as the kernel's, with a layout of its own */
struct task_struct {
	int pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, int);
	__type(value, __u64);
} execs SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct sched_process_exec_ctx *ctx)
{
	struct task_struct t = {.pid = ctx->pid};
	__u64 one = 1;

	bpf_map_update_elem(&execs, &t.pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
