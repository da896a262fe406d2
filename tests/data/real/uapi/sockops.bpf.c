// SPDX-License-Identifier: Apache-2.0
/* sock_ops: count active TCP establishments (BPF_SOCK_OPS_* from linux/bpf.h). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} established SEC(".maps");

SEC("sockops")
int count_established(struct bpf_sock_ops *skops)
{
	__u32 key = 0;
	__u64 *val;

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		return 1;
	val = bpf_map_lookup_elem(&established, &key);
	if (val)
		__sync_fetch_and_add(val, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
