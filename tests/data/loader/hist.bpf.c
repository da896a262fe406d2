// SPDX-License-Identifier: GPL-2.0
/* Maps the loader dumps at exit: a log2 histogram (as bcc's libbpf-tools keep them), a hash
 * with a struct key, a per-CPU counter. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_SLOTS 26

struct hist {
	u32 slots[MAX_SLOTS];
	char comm[16];
};

struct exec_key {
	u32 pid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct exec_key);
	__type(value, u64);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} total SEC(".maps");

/* floor(log2(v)) by halving the range, no loop */
static __always_inline u32 log2_u32(u32 v)
{
	u32 r = 0, s;

	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
}

SEC("tracepoint/sched/sched_process_exec")
int count_exec(void *ctx)
{
	struct exec_key key = {.pid = bpf_get_current_pid_tgid() >> 32};
	u64 one = 1, *n;
	u32 zero = 0, slot;
	struct hist *h;

	h = bpf_map_lookup_elem(&hists, &zero);
	if (h) {
		slot = log2_u32(key.pid);
		if (slot >= MAX_SLOTS)
			slot = MAX_SLOTS - 1;
		__sync_fetch_and_add(&h->slots[slot], 1);
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	}
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	bpf_map_update_elem(&execs, &key, &one, BPF_ANY);
	n = bpf_map_lookup_elem(&total, &zero);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
