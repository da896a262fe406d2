// SPDX-License-Identifier: GPL-2.0
/*
 * A guard on another type than the read it protects (biolatency's get_disk): request.rq_disk
 * before 5.16, request.q->disk after. The check is on `request`, the fallback reads
 * `request_queue`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct request_queue___x {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___x {
	struct request_queue___x *q;
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} disks SEC(".maps");

static __always_inline struct gendisk *get_disk(void *request)
{
	struct request___x *r = request;

	if (bpf_core_field_exists(r->rq_disk))
		return BPF_CORE_READ(r, rq_disk);
	return BPF_CORE_READ(r, q, disk); /* FINDING */
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u64 disk = (u64)get_disk((void *)bpf_get_current_task());
	u32 key = 0;

	bpf_map_update_elem(&disks, &key, &disk, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
