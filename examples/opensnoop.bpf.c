// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop: one line per openat() call, with the process id, the command name and the
 * file name the process asked for (as it passed it: relative names stay relative).
 *
 * Kernels: 5.8 and later. It sends its events through a ring buffer (BPF_MAP_TYPE_RINGBUF,
 * 5.8) and reads the name with bpf_probe_read_user_str (5.5), and its parameter is a
 * read-only global (global data, 5.2): on 4.19 the server reports it incompatible.
 *
 *   eucc-remote compile opensnoop.bpf.c --kernel 5.10 --kernel 6.1 -o opensnoop.eucc
 *   eucc-remote run opensnoop.eucc --set target_pid=1234
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <eucc/eucc.h>

#define TASK_COMM_LEN 16
#define NAME_MAX_LEN 128

/* only this process id (0: all) */
const volatile pid_t target_pid = 0;

struct event {
	u32 pid;
	char comm[TASK_COMM_LEN];
	char fname[NAME_MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

EUCC_EVENT(events, struct event);

SEC("tracepoint/syscalls/sys_enter_openat")
int handle_openat(struct trace_event_raw_sys_enter *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (target_pid && target_pid != pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* openat(int dfd, const char *filename, int flags, umode_t mode) */
	bpf_probe_read_user_str(e->fname, sizeof(e->fname), (const char *)ctx->args[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
