/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which helpers a program type may call. A kernel whose table was measured on it booted
 * (btf_features_probe) answers exactly. For the others BTF holds only that each type's
 * *_func_proto function exists, not what it returns, so two families stand in for it, both
 * checked against this machine's measured table by the tests:
 *  - helpers every tracing type (kprobe, tracepoint, raw_tp, perf_event, and fentry/lsm through
 *    bpf_tracing_func_proto) has had since the helper came: the map, ring and perf buffer,
 *    probe-read, current-task, stack and time helpers;
 *  - networking helpers (sk_buff, XDP, socket, tc), which the four tracing types never get.
 * Anything else on an unmeasured kernel is a warning: cannot confirm.
 */
#include <string.h>

#include "core_internal.h"

static const char *const base_family[] = {
    "map_lookup_elem",	 "map_update_elem",
    "map_delete_elem",	 "map_push_elem",
    "map_pop_elem",	 "map_peek_elem",
    "get_prandom_u32",	 "get_smp_processor_id",
    "get_numa_node_id",	 "tail_call",
    "ktime_get_ns",	 "ktime_get_boot_ns",
    "trace_printk",	 "ringbuf_output",
    "ringbuf_reserve",	 "ringbuf_submit",
    "ringbuf_discard",	 "ringbuf_query",
    "spin_lock",	 "spin_unlock",
    "jiffies64",	 "loop",
    "for_each_map_elem", "snprintf",
    "strncmp",		 NULL,
};

static const char *const tracing_family[] = {
    "probe_read",
    "probe_read_str",
    "probe_read_kernel",
    "probe_read_kernel_str",
    "probe_read_user",
    "probe_read_user_str",
    "get_current_pid_tgid",
    "get_current_uid_gid",
    "get_current_comm",
    "get_current_task",
    "get_current_cgroup_id",
    "perf_event_output",
    "get_stackid",
    "get_stack",
    "perf_event_read",
    "perf_event_read_value",
    "send_signal",
    "send_signal_thread",
    "get_ns_current_pid_tgid",
    "get_current_task_btf",
    NULL,
};

static const char *const net_prefixes[] = {
    "skb_",
    "xdp_",
    "sk_redirect",
    "sk_select",
    "sock_",
    "msg_",
    "tcp_",
    "lwt_",
    "l3_csum",
    "l4_csum",
    "csum_",
    "redirect",
    "clone_redirect",
    "get_socket_",
    "setsockopt",
    "getsockopt",
    "bind",
    "fib_lookup",
    "get_route_realm",
    "set_hash",
    "get_hash_recalc",
    "sysctl_",
    "check_mtu",
    "seg6_",
    NULL,
};

static bool in_list(const char *const *list, const char *name, bool prefix)
{
	for (int i = 0; list[i]; i++)
		if (prefix ? !strncmp(name, list[i], strlen(list[i])) : !strcmp(name, list[i]))
			return true;
	return false;
}

static bool tracing_type(enum bpf_prog_type t)
{
	return t == BPF_PROG_TYPE_KPROBE || t == BPF_PROG_TYPE_TRACEPOINT ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT || t == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE ||
	       t == BPF_PROG_TYPE_PERF_EVENT;
}

enum core_helper_rule core_helper_rule(enum bpf_prog_type type, const char *name)
{
	if (!strncmp(name, "bpf_", 4))
		name += 4;
	if (in_list(base_family, name, false))
		return CORE_HELPER_ALLOWED;
	if (tracing_type(type) || type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM) {
		if (in_list(tracing_family, name, false))
			return CORE_HELPER_ALLOWED;
		if (tracing_type(type) && in_list(net_prefixes, name, true))
			return CORE_HELPER_REFUSED;
	}
	return CORE_HELPER_UNKNOWN;
}

static bool has_value(const struct btf_features *f, enum btf_feature_kind kind, int64_t value)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].kind == kind && f->items[i].value == value)
			return true;
	return false;
}

/* The program types btf_features_probe measures: their table is complete. */
static bool measured(const struct core_ctx *c, enum bpf_prog_type type)
{
	return c->features && c->features->known[BTF_FEATURE_PROG_HELPER] &&
	       has_value(c->features, BTF_FEATURE_PROG_HELPER, BTF_FEATURE_PAIR(type, 0));
}

/* Was (program type, helper) reported already, by an earlier call of a program of that type? */
static bool seen_before(const struct bpf_obj_view *obj, size_t prog, size_t ref)
{
	const struct obj_prog *p = &obj->progs[prog];

	for (size_t i = 0; i <= prog; i++) {
		const struct obj_prog *q = &obj->progs[i];

		if (q->type != p->type)
			continue;
		for (size_t j = 0; j < (i == prog ? ref : obj->nrefs); j++) {
			const struct obj_ref *r = &obj->refs[j];

			if (r->kind == OBJ_REF_HELPER && r->helper == obj->refs[ref].helper &&
			    (r->func < 0 || q->reach[r->func]))
				return true;
		}
	}
	return false;
}

/* Refusals by how the call is reached (core_finding_reached); a "cannot confirm" only where
 * the parameters' defaults reach the call. */
static int check_call(struct core_ctx *c, const struct obj_prog *p, const struct obj_ref *r,
		      int32_t id, const char *name)
{
	const char *type = obj_prog_type_name(p);
	enum core_helper_rule rule;
	enum core_reach_rank rank;
	char why[128];
	int err;

	if (measured(c, p->type)) {
		if (has_value(c->features, BTF_FEATURE_PROG_HELPER, BTF_FEATURE_PAIR(p->type, id)))
			return 0;
		return core_finding_reached(
		    c, CORE_ERROR, "helper", r->sec, r->off,
		    "program '%s': %s programs may not call %s in %s (measured on "
		    "that kernel: the verifier refuses it)",
		    p->name, type, name, c->release);
	}
	rule = core_helper_rule(p->type, name);
	if (rule == CORE_HELPER_ALLOWED)
		return 0;
	if (rule == CORE_HELPER_REFUSED)
		return core_finding_reached(
		    c, CORE_ERROR, "helper", r->sec, r->off,
		    "program '%s': %s programs may not call %s, a networking helper "
		    "no kernel gives to tracing programs",
		    p->name, type, name);
	/* what cannot be confirmed counts only where the defaults reach it */
	if ((err = core_reach_rank(c, r->sec, r->off, why, sizeof(why), &rank)))
		return err;
	if (rank != CORE_REACH_LIVE)
		return 0;
	return core_finding(
	    c, CORE_WARNING, "helper", r->sec, r->off,
	    "program '%s': cannot confirm that %s programs may call %s in %s: its "
	    "helpers per program type were not measured, and BTF does not show them",
	    p->name, type, name, c->release);
}

int core_check_prog_helpers(struct core_ctx *c,
			    int32_t (*effective)(const struct core_ctx *, int32_t),
			    void (*helper_name)(const struct core_ctx *, int32_t, char *, size_t))
{
	const struct bpf_obj_view *obj = c->obj;

	for (size_t i = 0; i < obj->nprogs; i++) {
		const struct obj_prog *p = &obj->progs[i];

		if (!p->type_known)
			continue;
		for (size_t j = 0; j < obj->nrefs; j++) {
			const struct obj_ref *r = &obj->refs[j];
			char name[96];
			int32_t id;
			int err;

			if (r->kind != OBJ_REF_HELPER || (r->func >= 0 && !p->reach[r->func]) ||
			    (id = effective(c, r->helper)) < 0 || seen_before(obj, i, j))
				continue;
			helper_name(c, r->helper, name, sizeof(name));
			err = check_call(c, p, r, id, name);
			if (err)
				return err;
		}
	}
	return 0;
}
