// SPDX-License-Identifier: GPL-2.0
/*
 * A kprobe on a function that no kernel has: it loads, and attaching fails everywhere.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=refused local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("kprobe/eucc_truth_no_such_function")
int probe_missing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
