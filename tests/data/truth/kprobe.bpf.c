// SPDX-License-Identifier: GPL-2.0
/*
 * A kprobe on vfs_read (BPF_KPROBE, the first argument's file mode through CO-RE). Every
 * kernel here has the function; this host's kernel is built without CONFIG_KPROBES, so the
 * program loads there but cannot be attached.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("kprobe/vfs_read")
int BPF_KPROBE(enter_read, struct file *file)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = BPF_CORE_READ(file, f_mode);

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
