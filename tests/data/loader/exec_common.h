/* SPDX-License-Identifier: GPL-2.0 */
/* What the exec snoops of the loader tests share: the event, the parameters, the filter. */
#ifndef EXEC_COMMON_H
#define EXEC_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "eucc/eucc.h"

#define COMM_LEN 16

struct event {
	u32 pid;
	u32 ppid;
	char comm[COMM_LEN];
};

enum exec_mode { MODE_ALL = 0, MODE_NONE = 1 };

const volatile pid_t target_ppid = 0;	      /* only children of this process (0: all) */
const volatile char only_comm[COMM_LEN] = ""; /* only this command (empty: all) */
const volatile enum exec_mode mode = MODE_ALL;

/* Fill @e for the current task; whether the parameters let it through. */
static __always_inline bool exec_event(struct event *e)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (mode == MODE_NONE || (target_ppid && e->ppid != (u32)target_ppid))
		return false;
#pragma unroll
	for (int i = 0; i < COMM_LEN; i++) {
		if (!only_comm[0] || !only_comm[i])
			break;
		if (e->comm[i] != only_comm[i])
			return false;
	}
	return true;
}

char LICENSE[] SEC("license") = "GPL";

#endif
