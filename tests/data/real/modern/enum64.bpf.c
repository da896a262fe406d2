// SPDX-License-Identifier: Apache-2.0
/* An enum64 value relocated with bpf_core_enum_value (clang >= 15 emits enum64 relocations). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum eucc_wide___local {
	EUCC_WIDE_BIG = 0x100000000ULL,
};

u64 value, has;

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	has = bpf_core_enum_value_exists(enum eucc_wide___local, EUCC_WIDE_BIG);
	if (has)
		value = bpf_core_enum_value(enum eucc_wide___local, EUCC_WIDE_BIG);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
