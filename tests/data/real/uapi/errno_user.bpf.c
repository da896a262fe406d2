// SPDX-License-Identifier: Apache-2.0
/* linux/errno.h (asm/errno.h of the target arch) and asm/types.h without vmlinux.h. */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <asm/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 key = 1;
	__s64 val = -ENOENT;

	if (bpf_map_update_elem(&results, &key, &val, BPF_NOEXIST) == -EEXIST)
		return 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
