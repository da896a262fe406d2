// SPDX-License-Identifier: GPL-2.0
/*
 * The usual pid filter (`const volatile pid_t targ_pid = 0`, opensnoop style): global data
 * (.rodata, 5.2+) and nothing else new.
 * EXPECT: 4.19.108=refused 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* only this process id (0: all) */
const volatile pid_t targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1;

	if (targ_pid && targ_pid != pid)
		return 0;
	bpf_map_update_elem(&out, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
