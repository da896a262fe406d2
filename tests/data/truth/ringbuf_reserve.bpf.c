// SPDX-License-Identifier: GPL-2.0
/*
 * A plain ring buffer (5.8+): bpf_ringbuf_reserve / bpf_ringbuf_submit, no fallback.
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	*e = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
