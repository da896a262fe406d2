// SPDX-License-Identifier: Apache-2.0
/* A bounded loop over a comm with 32-bit arithmetic and jumps (-mcpu=v3). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

u32 hash;

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	char comm[16];
	u32 h = 2166136261u;

	bpf_get_current_comm(comm, sizeof(comm));
	for (u32 i = 0; i < sizeof(comm) && comm[i]; i++)
		h = (h ^ (u8)comm[i]) * 16777619u;
	hash = h;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
