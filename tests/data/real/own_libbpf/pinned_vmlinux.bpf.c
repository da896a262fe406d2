// SPDX-License-Identifier: Apache-2.0
/* Built with the project's pinned helper header (-I include), against the kernel's vmlinux.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef OWN_LIBBPF
#error "the server's bpf_helpers.h was found before the project's own"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} seen SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	bpf_map_update_elem(&seen, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
