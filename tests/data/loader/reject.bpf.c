// SPDX-License-Identifier: GPL-2.0
/* A program the verifier rejects: a map value read without a NULL check. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} vals SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int read_unchecked(void *ctx)
{
	u32 key = 0;
	u64 *v = bpf_map_lookup_elem(&vals, &key);

	return *v; /* v may be NULL */
}

char LICENSE[] SEC("license") = "GPL";
