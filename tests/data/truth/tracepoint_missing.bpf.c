// SPDX-License-Identifier: GPL-2.0
/*
 * A tracepoint that no kernel has (sched/eucc_truth_no_such_event): attaching fails.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=refused local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/sched/eucc_truth_no_such_event")
int handle_missing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
