// SPDX-License-Identifier: GPL-2.0
/*
 * One buffer map declared as a perf event array, given to bpf_ringbuf_output where the kernel
 * has ring buffers: the verifier refuses a ring buffer helper on a perf event array.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (bpf_core_type_exists(struct bpf_ringbuf))
		bpf_ringbuf_output(&events, &pid, sizeof(pid), 0); /* FINDING */
	else
		bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &pid, sizeof(pid));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
