// SPDX-License-Identifier: GPL-2.0
/*
 * fexit on vfs_read (5.5+), the arguments and the return value.
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

SEC("fexit/vfs_read")
int BPF_PROG(exit_read, struct file *file, char *buf, size_t count, loff_t *pos, ssize_t ret)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = ret;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
