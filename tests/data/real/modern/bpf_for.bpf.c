// SPDX-License-Identifier: Apache-2.0
/* bpf_for (libbpf 1.2+ headers): an open-coded numeric iterator (bpf_iter_num_* kfuncs). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u64 sum;

SEC("tp_btf/sched_process_exec")
int on_exec(u64 *ctx)
{
	int i;

	bpf_for(i, 0, 16)
		sum += i;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
