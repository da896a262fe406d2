// SPDX-License-Identifier: GPL-2.0
/*
 * A perf_event program (profile style). It loads everywhere; attaching it needs a perf
 * event that the tool's user space opens (perf_event_open per CPU), which eucc-remote does
 * not do: it is loaded, not attached (run says so: not_attached, exit 2).
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

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u64 v = ctx->sample_period;

	bpf_map_update_elem(&out, &pid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
