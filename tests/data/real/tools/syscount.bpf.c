// SPDX-License-Identifier: Apache-2.0
/* syscount: system calls counted by number (raw_syscalls tracepoint, lookup-or-init helper). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

static const u64 zero;

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *args)
{
	u32 key = (u32)args->id;
	u64 *val = lookup_or_try_init(&counts, &key, &zero);

	if (val)
		__sync_fetch_and_add(val, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
