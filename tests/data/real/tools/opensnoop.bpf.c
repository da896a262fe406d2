// SPDX-License-Identifier: Apache-2.0
/* opensnoop: openat entry and exit, matched by thread id. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct args_t {
	const char *fname;
	int flags;
};

struct open_event {
	__u32 pid;
	int ret;
	char fname[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct args_t);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct args_t args = {.fname = (const char *)ctx->args[1], .flags = (int)ctx->args[2]};

	bpf_map_update_elem(&start, &tid, &args, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct args_t *ap = bpf_map_lookup_elem(&start, &tid);
	struct open_event e = {};

	if (!ap)
		return 0;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.ret = (int)ctx->ret;
	bpf_probe_read_user_str(e.fname, sizeof(e.fname), ap->fname);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
