// SPDX-License-Identifier: Apache-2.0
/* An atomic fetch-and-add whose old value is used (BPF_FETCH, 5.12+), built with -mcpu=v3. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u64 counter, last;

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	last = __sync_fetch_and_add(&counter, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
