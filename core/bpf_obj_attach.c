/* SPDX-License-Identifier: Apache-2.0 */
/* Programs that libbpf cannot attach by itself: their user space attaches them. */
#include <string.h>

#include "obj_internal.h"

const char *obj_user_attach(int type, const char *section)
{
	static const char *const targeted[] = {
	    "kprobe",	  "kretprobe", "uprobe", "uretprobe",	   "usdt",
	    "tracepoint", "tp",	       "raw_tp", "raw_tracepoint", NULL};

	switch (type) {
	case BPF_PROG_TYPE_PERF_EVENT:
		return "to a perf event it opens with perf_event_open";
	case BPF_PROG_TYPE_XDP:
		return "to a network interface";
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		return "to a network interface's tc hook";
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_SK_REUSEPORT:
		return "to a socket or a socket map";
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return "to a cgroup";
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_SK_LOOKUP:
		return "to a network namespace";
	case BPF_PROG_TYPE_LIRC_MODE2:
		return "to a lirc device";
	case BPF_PROG_TYPE_SYSCALL:
		return "by running it (BPF_PROG_RUN)";
	default:
		break;
	}
	if (strchr(section, '/'))
		return NULL;
	for (int i = 0; targeted[i]; i++)
		if (!strncmp(section, targeted[i], strlen(targeted[i])) &&
		    (!section[strlen(targeted[i])] || section[strlen(targeted[i])] == '.'))
			return "to a target it names at run time (the section names none)";
	return NULL;
}
