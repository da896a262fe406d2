// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers given a map of a type they do not take: a ring buffer helper on a perf event array
 * whose address went through a stack slot, and a lookup in a perf event array.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int spilled(void *ctx)
{
	asm volatile("r1 = %[events] ll;" /* FINDING */
		     "*(u64 *)(r10 - 16) = r1;"
		     "r1 = 0;"
		     "*(u64 *)(r10 - 8) = r1;"
		     "r1 = *(u64 *)(r10 - 16);"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 8;"
		     "r4 = 0;"
		     "call %[bpf_ringbuf_output];"
		     :
		     : [events] "i"(&events), [bpf_ringbuf_output] "i"(bpf_ringbuf_output)
		     : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int lookup(void *ctx)
{
	u32 key = 0;

	return bpf_map_lookup_elem(&events, &key) != NULL;
}

char LICENSE[] SEC("license") = "GPL";
