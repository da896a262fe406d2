// SPDX-License-Identifier: GPL-2.0
/* What real tools do: a record with a variable-length tail (sent shorter than its struct, as
 * exec snoops send their args), a record with no type (hex, capped), and a keyed histogram in
 * microseconds (a hash map with a struct key and a value holding slots[N]); a record whose type
 * only the package's manifest names. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "eucc/eucc.h"

#define MAX_SLOTS 26
#define ARGS_LEN  256

struct vevent {
	u32 pid;
	u32 len;
	char args[ARGS_LEN];
};

struct hist_key {
	u32 pid;
	char comm[16];
};

struct hist {
	u32 slots[MAX_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} varlen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} bigraw SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct hist_key);
	__type(value, struct hist);
} lat_us SEC(".maps");

/* no declaration: the manifest's "events" names its type (struct hist_key) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} named SEC(".maps");

EUCC_EVENT(varlen, struct vevent);

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct vevent e = {.pid = bpf_get_current_pid_tgid() >> 32, .len = 4};
	struct hist_key key = {.pid = e.pid};
	struct hist zero = {}, *h;
	char raw[100];

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	if (key.comm[0] != 'e' || key.comm[1] != 'u' || key.comm[2] != 'c' || key.comm[3] != 'c')
		return 0;
	/* what follows the 4 bytes sent must never show */
	__builtin_memset(e.args, 'Z', sizeof(e.args));
	__builtin_memcpy(e.args, key.comm, 4);
	bpf_ringbuf_output(&varlen, &e, __builtin_offsetof(struct vevent, args) + 4, 0);
	__builtin_memset(raw, 0xab, sizeof(raw));
	bpf_ringbuf_output(&bigraw, raw, sizeof(raw), 0);
	bpf_ringbuf_output(&named, &key, sizeof(key), 0);
	bpf_map_update_elem(&lat_us, &key, &zero, BPF_NOEXIST);
	h = bpf_map_lookup_elem(&lat_us, &key);
	if (h)
		__sync_fetch_and_add(&h->slots[3], 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
