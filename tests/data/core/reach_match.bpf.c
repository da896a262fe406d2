// SPDX-License-Identifier: GPL-2.0
/* A guard on an enum value (an enum64 in the kernel), and one on a struct's size. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum eucc_e { EUCC_BIG = 7 };

struct eucc_m {
	int a;
} __attribute__((preserve_access_index));

struct eucc_gone {
	int z;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[2]);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct eucc_gone *g = (void *)bpf_get_current_task();
	u64 v[2] = {0, 0};
	u32 key = 0;

	if (bpf_core_enum_value(enum eucc_e, EUCC_BIG) != 7)
		v[0] = BPF_CORE_READ(g, z);
	if (bpf_core_type_size(struct eucc_m) != 4)
		v[1] = BPF_CORE_READ(g, z);
	bpf_map_update_elem(&out, &key, v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
