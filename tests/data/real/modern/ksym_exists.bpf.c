// SPDX-License-Identifier: Apache-2.0
/* bpf_ksym_exists (libbpf 1.2+ headers): use a kfunc only where the kernel has it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;

u64 with_rcu, without_rcu;

SEC("tp_btf/sched_process_exec")
int on_exec(u64 *ctx)
{
	if (bpf_ksym_exists(bpf_rcu_read_lock)) {
		bpf_rcu_read_lock();
		__sync_fetch_and_add(&with_rcu, 1);
		bpf_rcu_read_unlock();
	} else {
		__sync_fetch_and_add(&without_rcu, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
