// SPDX-License-Identifier: Apache-2.0
/* cgroup_skb egress byte counter: a per-CPU array, UAPI types only. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bytes SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *val = bpf_map_lookup_elem(&bytes, &key);

	if (val)
		*val += skb->len;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
