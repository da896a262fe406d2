// SPDX-License-Identifier: GPL-2.0
/* Exec snoop over a perf buffer, events declared with EUCC_EVENT. */
#include "exec_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

EUCC_EVENT(events, struct event);

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct event e = {};

	if (exec_event(&e))
		bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return 0;
}
