// SPDX-License-Identifier: GPL-2.0
/*
 * Guard on another type's field (biolatency/biosnoop style): if request->rq_disk exists
 * (up to 5.x) read it, else read request->q->disk (request_queue.disk, 5.15+). The guard's
 * field and the failing read's field differ: request.rq_disk guards request_queue.disk.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct request___old {
	struct gendisk *rq_disk;
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
	/* any kernel pointer will do: the reads are probed, the relocations are the point */
	struct request *rq = (void *)bpf_get_current_task();
	struct request___old *old = (void *)rq;
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gendisk *disk;
	u64 v;

	if (bpf_core_field_exists(old->rq_disk))
		disk = BPF_CORE_READ(old, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	v = (u64)disk;
	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
