// SPDX-License-Identifier: GPL-2.0
/*
 * fentry on vfs_read (BPF_PROG_TYPE_TRACING, 5.5+; a BPF trampoline, no kprobes needed).
 * The target is found in the kernel's own BTF.
 * This host's kernel refuses to load it (EPERM for root, bpftool sees the same).
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

SEC("fentry/vfs_read")
int BPF_PROG(enter_read, struct file *file, char *buf, size_t count)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = count;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
