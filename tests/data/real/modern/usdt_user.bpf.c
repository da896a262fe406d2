// SPDX-License-Identifier: Apache-2.0
/* A USDT probe with libbpf's usdt.bpf.h (it includes asm/errno.h through linux/errno.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

u64 calls;

SEC("usdt/libc.so.6:libc:setjmp")
int BPF_USDT(on_setjmp, void *env, int savemask)
{
	__sync_fetch_and_add(&calls, 1);
	return savemask;
}

char LICENSE[] SEC("license") = "GPL";
