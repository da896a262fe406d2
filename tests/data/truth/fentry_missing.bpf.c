// SPDX-License-Identifier: GPL-2.0
/*
 * fentry on a function that no kernel has: libbpf finds no target in the kernel's BTF.
 * EXPECT: 4.19.108=refused 5.10=refused 6.1=refused 6.12=refused local=refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fentry/eucc_truth_no_such_function")
int BPF_PROG(enter_missing)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
