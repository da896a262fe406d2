// SPDX-License-Identifier: Apache-2.0
/* exitsnoop: exit code and lifetime of each process, to a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct exit_event {
	__u32 pid;
	int exit_code;
	__u64 duration_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct exit_event *e;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)bpf_get_current_pid_tgid())
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	e->duration_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
