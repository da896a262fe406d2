// SPDX-License-Identifier: GPL-2.0
/*
 * A flavor guard: the block_rq_complete tracepoint's record is trace_event_raw_block_rq_completion
 * from 6.x, trace_event_raw_block_rq_complete before; both are read through ___x flavors.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct trace_event_raw_block_rq_completion___x {
	dev_t dev;
	sector_t sector;
} __attribute__((preserve_access_index));

struct trace_event_raw_block_rq_complete___x {
	dev_t dev;
	sector_t sector;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} sectors SEC(".maps");

static __always_inline bool has_block_rq_completion(void)
{
	return bpf_core_type_exists(struct trace_event_raw_block_rq_completion___x);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	void *rec = (void *)bpf_get_current_task();
	u32 key = 0;
	u64 sector;

	if (has_block_rq_completion()) {
		struct trace_event_raw_block_rq_completion___x *c = rec;

		sector = BPF_CORE_READ(c, sector);
	} else {
		struct trace_event_raw_block_rq_complete___x *c = rec;

		sector = BPF_CORE_READ(c, sector);
	}
	bpf_map_update_elem(&sectors, &key, &sector, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
