// SPDX-License-Identifier: GPL-2.0
/*
 * An initialised writable global (.data, 5.2+) that the program updates.
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u64 last_pid = 1;

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	last_pid = bpf_get_current_pid_tgid() >> 32;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
