// SPDX-License-Identifier: GPL-2.0
/*
 * A kretprobe on vfs_read (BPF_KRETPROBE, the return value). No kretprobes without
 * CONFIG_KPROBES, as on this host.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=refused
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

SEC("kretprobe/vfs_read")
int BPF_KRETPROBE(exit_read, long ret)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = ret;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
