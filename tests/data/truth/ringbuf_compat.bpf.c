// SPDX-License-Identifier: GPL-2.0
/*
 * The libbpf-tools buffer (compat.bpf.h): one map `events`, declared as a perf event array;
 * the tool's user space turns it into a ring buffer where the kernel has one. The program
 * calls bpf_ringbuf_output on it where bpf_core_type_exists(struct bpf_ringbuf), else
 * bpf_perf_event_output. Run as the package is (no such user space), the map stays a perf
 * event array: 4.19 loads (the ring buffer helper is dead), 5.8+ kernels refuse a ring
 * buffer helper on a perf event array map.
 * EXPECT: 4.19.108=loads 5.10=refused 6.1=refused 6.12=refused local=refused
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
