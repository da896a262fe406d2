// SPDX-License-Identifier: GPL-2.0
/* A kprobe on a function no kernel has. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("kprobe/eucc_no_such_function")
int probe_missing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
