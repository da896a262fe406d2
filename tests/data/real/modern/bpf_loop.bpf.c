// SPDX-License-Identifier: Apache-2.0
/* bpf_loop with a callback (5.17+). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u64 total;

static long add_one(u64 index, void *ctx)
{
	total += index;
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	bpf_loop(8, add_one, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
