// SPDX-License-Identifier: GPL-2.0
/*
 * A ring buffer with a perf-buffer fallback, both maps declared: bpf_ringbuf_output (5.8+)
 * where bpf_core_type_exists(struct bpf_ringbuf), else bpf_perf_event_output. The guard
 * keeps the helper off 4.19's path; 4.19 cannot create a BPF_MAP_TYPE_RINGBUF, which libbpf
 * alone would still try (it creates every map of the object), but eucc-remote leaves out a
 * map of a type the kernel lacks when no reached code uses it, so 4.19 loads it.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} pb SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (bpf_core_type_exists(struct bpf_ringbuf))
		bpf_ringbuf_output(&rb, &pid, sizeof(pid), 0); /* FINDING */
	else
		bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &pid, sizeof(pid));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
