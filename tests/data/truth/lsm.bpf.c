// SPDX-License-Identifier: GPL-2.0
/*
 * A BPF LSM program (lsm/file_open, 5.7+, CONFIG_BPF_LSM) that allows everything. The
 * hook runs only where "bpf" is in the kernel's active LSM list; the program loads and
 * attaches without it. This host's kernel refuses to load it (EPERM, as fentry).
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(check_open, struct file *file)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	bpf_map_update_elem(&out, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
