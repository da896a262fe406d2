// SPDX-License-Identifier: GPL-2.0
/* An exec snoop as real tools are written: no EUCC_EVENT. The server finds the record types at
 * the call sites: the struct bpf_ringbuf_reserve's result points to, the struct whose address
 * bpf_perf_event_output gets. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct exec_rec {
	u32 pid;
	char comm[16];
};

struct perf_rec {
	u64 cookie;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} pb SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct perf_rec r = {.cookie = 0x1234};
	struct exec_rec *e;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
