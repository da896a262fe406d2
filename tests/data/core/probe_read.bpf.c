// SPDX-License-Identifier: GPL-2.0
/* bpf_probe_read_kernel{,_str} (5.5+): libbpf turns them into bpf_probe_read{,_str} before. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct info {
	u32 pid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, struct info);
} infos SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct info info = {};

	bpf_probe_read_kernel(&info.pid, sizeof(info.pid), &task->pid);
	bpf_probe_read_kernel_str(info.comm, sizeof(info.comm), task->comm);
	bpf_map_update_elem(&infos, &info.pid, &info, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
