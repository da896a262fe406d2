// SPDX-License-Identifier: GPL-2.0
/* Exec snoop over a ring buffer (declared with EUCC_EVENT), plus a ring buffer without a
 * declaration (its events print as hex). */
#include "exec_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} raw SEC(".maps");

EUCC_EVENT(rb, struct event);

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct event e = {};

	if (!exec_event(&e))
		return 0;
	bpf_ringbuf_output(&rb, &e, sizeof(e), 0);
	bpf_ringbuf_output(&raw, &e.pid, sizeof(e.pid), 0);
	return 0;
}
