// SPDX-License-Identifier: GPL-2.0
/* A raw tracepoint calling a networking helper: no kernel lets raw_tp programs call it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cookies SEC(".maps");

SEC("raw_tp/sched_switch")
int switch_cookie(void *ctx)
{
	u64 cookie = bpf_get_socket_cookie(ctx); /* FINDING */
	u32 key = 0;

	bpf_map_update_elem(&cookies, &key, &cookie, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
