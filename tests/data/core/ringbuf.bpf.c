// SPDX-License-Identifier: GPL-2.0
/* A ring buffer (5.8+). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	u32 tgid = BPF_CORE_READ(task, tgid);

	bpf_ringbuf_output(&events, &tgid, sizeof(tgid), 0); /* FINDING */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
