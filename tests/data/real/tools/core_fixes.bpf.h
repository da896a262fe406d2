/* SPDX-License-Identifier: Apache-2.0 */
/* task_struct's state was renamed __state in 5.14: read whichever the kernel has. */
#ifndef REAL_CORE_FIXES_BPF_H
#define REAL_CORE_FIXES_BPF_H
#include <bpf/bpf_core_read.h>

struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __s64 get_task_state(void *task)
{
	struct task_struct___x *t = task;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)task, state);
}
#endif
