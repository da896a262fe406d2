// SPDX-License-Identifier: GPL-2.0
/*
 * A zero-initialised global counter (.bss, 5.2+), read and written by the program.
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u64 execs;

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	__sync_fetch_and_add(&execs, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
