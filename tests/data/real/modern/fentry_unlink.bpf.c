// SPDX-License-Identifier: Apache-2.0
/* fentry/fexit on do_unlinkat with BPF_PROG's typed arguments. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

u64 unlinks, failures;

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_entry, int dfd, struct filename *name)
{
	__sync_fetch_and_add(&unlinks, 1);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, long ret)
{
	if (ret)
		__sync_fetch_and_add(&failures, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
