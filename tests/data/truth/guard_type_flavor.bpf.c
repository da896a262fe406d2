// SPDX-License-Identifier: GPL-2.0
/*
 * A flavor guard: bpf_core_type_exists(struct bpf_ringbuf___x) (the flavor's ___x suffix is
 * ignored when matching, so it asks for struct bpf_ringbuf, 5.8+) guards a read through the
 * same local flavor, as tools do when their vmlinux.h lacks the type.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct bpf_ringbuf___x {
	u64 mask;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct bpf_ringbuf___x *rb = (void *)bpf_get_current_task();
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = 1;

	if (bpf_core_type_exists(struct bpf_ringbuf___x))
		v = BPF_CORE_READ(rb, mask);
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
