// SPDX-License-Identifier: GPL-2.0
/*
 * A tracing program (BPF_PROG_TYPE_TRACING, 5.5+: BTF-typed tracepoints, fentry/fexit), which
 * also needs the kernel's own BTF to find its target, beside a hash map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tp_btf/sched_process_exec")
int handle_exec(u64 *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	bpf_map_update_elem(&counts, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
