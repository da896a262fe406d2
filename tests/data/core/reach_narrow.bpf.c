// SPDX-License-Identifier: GPL-2.0
/*
 * Two reads of one local type that a kernel could only satisfy with two different types of
 * that name (eucc_pair, eucc_pair___2): libbpf narrows the candidates after the first. And a
 * bitfield that a kernel may place where no 8-byte load covers it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct eucc_pair {
	int a;
	int b;
} __attribute__((preserve_access_index));

struct eucc_bits {
	unsigned long long x : 10;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[2]);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int pair(void *ctx)
{
	struct eucc_pair *p = (void *)bpf_get_current_task();
	u64 v[2];
	u32 key = 0;

	v[0] = BPF_CORE_READ(p, a);
	v[1] = BPF_CORE_READ(p, b); /* FINDING */
	bpf_map_update_elem(&out, &key, v, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int bits(void *ctx)
{
	struct eucc_bits *b = (void *)bpf_get_current_task();
	u64 v[2] = {BPF_CORE_READ_BITFIELD_PROBED(b, x), 0};
	u32 key = 0;

	bpf_map_update_elem(&out, &key, v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
