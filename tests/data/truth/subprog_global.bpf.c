// SPDX-License-Identifier: GPL-2.0
/*
 * A global (non-static) function: verified on its own from its BTF signature (5.6+). A kernel
 * without BTF func info (4.19) never learns that it is global: libbpf drops the func info,
 * and the call is verified as an ordinary BPF-to-BPF call, so 4.19 loads it too.
 * EXPECT: 4.19.108=loads 5.10=loads 6.1=loads 6.12=loads local=loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} out SEC(".maps");

__noinline int record(u32 pid, u64 v)
{
	return bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	record(bpf_get_current_pid_tgid() >> 32, bpf_ktime_get_ns());
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
