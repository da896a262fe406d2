// SPDX-License-Identifier: Apache-2.0
/* The project's pinned helper header with the UAPI headers, no vmlinux.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef OWN_LIBBPF
#error "the server's bpf_helpers.h was found before the project's own"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_pid SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 key = 0;
	__u64 pid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_update_elem(&last_pid, &key, &pid, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
