// SPDX-License-Identifier: Apache-2.0
/* BPF_UPROBE / BPF_URETPROBE (libbpf 1.2+ headers): malloc sizes of a process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} bytes SEC(".maps");

SEC("uprobe/libc.so.6:malloc")
int BPF_UPROBE(on_malloc, size_t size)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 *b = bpf_map_lookup_elem(&bytes, &pid);

	if (b)
		__sync_fetch_and_add(b, size);
	else
		bpf_map_update_elem(&bytes, &pid, &(u64){size}, BPF_NOEXIST);
	return 0;
}

SEC("uretprobe/libc.so.6:malloc")
int BPF_URETPROBE(on_malloc_ret, void *ret)
{
	return ret ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
