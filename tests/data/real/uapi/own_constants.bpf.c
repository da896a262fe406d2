// SPDX-License-Identifier: Apache-2.0
/* A program that defines the UAPI's constants and types itself, as some old tools do. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define BPF_ANY 0
#define BPF_MAP_TYPE_ARRAY 2
struct fd_bits {
	unsigned long fds_bits[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fd_bits);
} sets SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 key = 0;
	struct fd_bits s = {};

	s.fds_bits[0] = 1;
	bpf_map_update_elem(&sets, &key, &s, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
