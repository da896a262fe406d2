/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The map a helper call is given, against the kernel's rules that tie helpers and map types
 * together both ways: some helpers take only maps of certain types (bpf_ringbuf_output a ring
 * buffer), and some map types go only to certain helpers (a perf event array to the perf
 * helpers, not to bpf_map_lookup_elem). The verifier refuses a reached call that breaks either
 * rule ("cannot pass map_type 4 into func bpf_ringbuf_output#130").
 */
#include <string.h>

#include "core_internal.h"

/* Newer than some UAPI headers this builds with (stable numbers). */
#define MAP_CGRP_STORAGE      32
#define FUNC_CGRP_STORAGE_GET 210
#define FUNC_CGRP_STORAGE_DEL 211

#define MAX_LIST 8

/* Helpers that take a map, and the argument it is in (0: r1, 1: r2). */
struct map_arg {
	int32_t helper;
	int arg;
};

static const struct map_arg map_args[] = {
    {BPF_FUNC_map_lookup_elem, 0},
    {BPF_FUNC_map_update_elem, 0},
    {BPF_FUNC_map_delete_elem, 0},
    {BPF_FUNC_map_push_elem, 0},
    {BPF_FUNC_map_pop_elem, 0},
    {BPF_FUNC_map_peek_elem, 0},
    {BPF_FUNC_map_lookup_percpu_elem, 0},
    {BPF_FUNC_for_each_map_elem, 0},
    {BPF_FUNC_timer_init, 1},
    {BPF_FUNC_tail_call, 1},
    {BPF_FUNC_perf_event_read, 0},
    {BPF_FUNC_perf_event_read_value, 0},
    {BPF_FUNC_perf_event_output, 1},
    {BPF_FUNC_skb_output, 1},
    {BPF_FUNC_xdp_output, 1},
    {BPF_FUNC_ringbuf_output, 0},
    {BPF_FUNC_ringbuf_reserve, 0},
    {BPF_FUNC_ringbuf_query, 0},
    {BPF_FUNC_ringbuf_reserve_dynptr, 0},
    {BPF_FUNC_user_ringbuf_drain, 0},
    {BPF_FUNC_get_stackid, 1},
    {BPF_FUNC_current_task_under_cgroup, 0},
    {BPF_FUNC_skb_under_cgroup, 1},
    {BPF_FUNC_get_local_storage, 0},
    {BPF_FUNC_redirect_map, 0},
    {BPF_FUNC_sk_redirect_map, 1},
    {BPF_FUNC_msg_redirect_map, 1},
    {BPF_FUNC_sock_map_update, 1},
    {BPF_FUNC_sk_redirect_hash, 1},
    {BPF_FUNC_msg_redirect_hash, 1},
    {BPF_FUNC_sock_hash_update, 1},
    {BPF_FUNC_sk_select_reuseport, 1},
    {BPF_FUNC_sk_storage_get, 0},
    {BPF_FUNC_sk_storage_delete, 0},
    {BPF_FUNC_inode_storage_get, 0},
    {BPF_FUNC_inode_storage_delete, 0},
    {BPF_FUNC_task_storage_get, 0},
    {BPF_FUNC_task_storage_delete, 0},
    {FUNC_CGRP_STORAGE_GET, 0},
    {FUNC_CGRP_STORAGE_DEL, 0},
};

/* A helper that takes only maps of these types (0-terminated). */
struct helper_rule {
	int32_t helper;
	uint32_t types[MAX_LIST];
};

static const struct helper_rule helper_rules[] = {
    {BPF_FUNC_tail_call, {BPF_MAP_TYPE_PROG_ARRAY}},
    {BPF_FUNC_perf_event_read, {BPF_MAP_TYPE_PERF_EVENT_ARRAY}},
    {BPF_FUNC_perf_event_read_value, {BPF_MAP_TYPE_PERF_EVENT_ARRAY}},
    {BPF_FUNC_perf_event_output, {BPF_MAP_TYPE_PERF_EVENT_ARRAY}},
    {BPF_FUNC_skb_output, {BPF_MAP_TYPE_PERF_EVENT_ARRAY}},
    {BPF_FUNC_xdp_output, {BPF_MAP_TYPE_PERF_EVENT_ARRAY}},
    {BPF_FUNC_ringbuf_output, {BPF_MAP_TYPE_RINGBUF}},
    {BPF_FUNC_ringbuf_reserve, {BPF_MAP_TYPE_RINGBUF}},
    {BPF_FUNC_ringbuf_query, {BPF_MAP_TYPE_RINGBUF}},
    {BPF_FUNC_ringbuf_reserve_dynptr, {BPF_MAP_TYPE_RINGBUF}},
    {BPF_FUNC_user_ringbuf_drain, {BPF_MAP_TYPE_USER_RINGBUF}},
    {BPF_FUNC_get_stackid, {BPF_MAP_TYPE_STACK_TRACE}},
    {BPF_FUNC_current_task_under_cgroup, {BPF_MAP_TYPE_CGROUP_ARRAY}},
    {BPF_FUNC_skb_under_cgroup, {BPF_MAP_TYPE_CGROUP_ARRAY}},
    {BPF_FUNC_redirect_map,
     {BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP}},
    {BPF_FUNC_sk_redirect_map, {BPF_MAP_TYPE_SOCKMAP}},
    {BPF_FUNC_msg_redirect_map, {BPF_MAP_TYPE_SOCKMAP}},
    {BPF_FUNC_sock_map_update, {BPF_MAP_TYPE_SOCKMAP}},
    {BPF_FUNC_sk_redirect_hash, {BPF_MAP_TYPE_SOCKHASH}},
    {BPF_FUNC_msg_redirect_hash, {BPF_MAP_TYPE_SOCKHASH}},
    {BPF_FUNC_sock_hash_update, {BPF_MAP_TYPE_SOCKHASH}},
    {BPF_FUNC_get_local_storage, {BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE}},
    {BPF_FUNC_sk_select_reuseport,
     {BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH}},
    {BPF_FUNC_map_pop_elem, {BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK}},
    {BPF_FUNC_map_peek_elem, {BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_BLOOM_FILTER}},
    {BPF_FUNC_map_push_elem, {BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_BLOOM_FILTER}},
    {BPF_FUNC_map_lookup_percpu_elem,
     {BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH}},
    {BPF_FUNC_sk_storage_get, {BPF_MAP_TYPE_SK_STORAGE}},
    {BPF_FUNC_sk_storage_delete, {BPF_MAP_TYPE_SK_STORAGE}},
    {BPF_FUNC_inode_storage_get, {BPF_MAP_TYPE_INODE_STORAGE}},
    {BPF_FUNC_inode_storage_delete, {BPF_MAP_TYPE_INODE_STORAGE}},
    {BPF_FUNC_task_storage_get, {BPF_MAP_TYPE_TASK_STORAGE}},
    {BPF_FUNC_task_storage_delete, {BPF_MAP_TYPE_TASK_STORAGE}},
    {FUNC_CGRP_STORAGE_GET, {MAP_CGRP_STORAGE}},
    {FUNC_CGRP_STORAGE_DEL, {MAP_CGRP_STORAGE}},
};

/* A map type that goes only to these helpers (0-terminated; 0 is no helper). */
struct map_rule {
	uint32_t types[2];
	int32_t helpers[MAX_LIST];
};

static const struct map_rule map_rules[] = {
    {{BPF_MAP_TYPE_PROG_ARRAY}, {BPF_FUNC_tail_call}},
    {{BPF_MAP_TYPE_PERF_EVENT_ARRAY},
     {BPF_FUNC_perf_event_read, BPF_FUNC_perf_event_output, BPF_FUNC_skb_output,
      BPF_FUNC_perf_event_read_value, BPF_FUNC_xdp_output}},
    {{BPF_MAP_TYPE_RINGBUF},
     {BPF_FUNC_ringbuf_output, BPF_FUNC_ringbuf_reserve, BPF_FUNC_ringbuf_query,
      BPF_FUNC_ringbuf_reserve_dynptr}},
    {{BPF_MAP_TYPE_USER_RINGBUF}, {BPF_FUNC_user_ringbuf_drain}},
    {{BPF_MAP_TYPE_STACK_TRACE}, {BPF_FUNC_get_stackid}},
    {{BPF_MAP_TYPE_CGROUP_ARRAY}, {BPF_FUNC_skb_under_cgroup, BPF_FUNC_current_task_under_cgroup}},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE},
     {BPF_FUNC_get_local_storage}},
    {{BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH},
     {BPF_FUNC_redirect_map, BPF_FUNC_map_lookup_elem}},
    {{BPF_MAP_TYPE_CPUMAP}, {BPF_FUNC_redirect_map}},
    {{BPF_MAP_TYPE_XSKMAP}, {BPF_FUNC_redirect_map, BPF_FUNC_map_lookup_elem}},
    {{BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS}, {BPF_FUNC_map_lookup_elem}},
    {{BPF_MAP_TYPE_SOCKMAP},
     {BPF_FUNC_sk_redirect_map, BPF_FUNC_sock_map_update, BPF_FUNC_map_delete_elem,
      BPF_FUNC_msg_redirect_map, BPF_FUNC_sk_select_reuseport, BPF_FUNC_map_lookup_elem,
      BPF_FUNC_map_update_elem}},
    {{BPF_MAP_TYPE_SOCKHASH},
     {BPF_FUNC_sk_redirect_hash, BPF_FUNC_sock_hash_update, BPF_FUNC_map_delete_elem,
      BPF_FUNC_msg_redirect_hash, BPF_FUNC_sk_select_reuseport, BPF_FUNC_map_lookup_elem,
      BPF_FUNC_map_update_elem}},
    {{BPF_MAP_TYPE_REUSEPORT_SOCKARRAY}, {BPF_FUNC_sk_select_reuseport}},
    {{BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK},
     {BPF_FUNC_map_peek_elem, BPF_FUNC_map_pop_elem, BPF_FUNC_map_push_elem}},
    {{BPF_MAP_TYPE_BLOOM_FILTER}, {BPF_FUNC_map_peek_elem, BPF_FUNC_map_push_elem}},
    {{BPF_MAP_TYPE_SK_STORAGE},
     {BPF_FUNC_sk_storage_get, BPF_FUNC_sk_storage_delete, BPF_FUNC_kptr_xchg}},
    {{BPF_MAP_TYPE_INODE_STORAGE}, {BPF_FUNC_inode_storage_get, BPF_FUNC_inode_storage_delete}},
    {{BPF_MAP_TYPE_TASK_STORAGE}, {BPF_FUNC_task_storage_get, BPF_FUNC_task_storage_delete}},
    {{MAP_CGRP_STORAGE}, {FUNC_CGRP_STORAGE_GET, FUNC_CGRP_STORAGE_DEL}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int map_arg_of(int32_t helper)
{
	for (size_t i = 0; i < N(map_args); i++)
		if (map_args[i].helper == helper)
			return map_args[i].arg;
	return -1;
}

static const struct helper_rule *helper_rule_of(int32_t helper)
{
	for (size_t i = 0; i < N(helper_rules); i++)
		if (helper_rules[i].helper == helper)
			return &helper_rules[i];
	return NULL;
}

static const struct map_rule *map_rule_of(uint32_t type)
{
	for (size_t i = 0; i < N(map_rules); i++)
		if (map_rules[i].types[0] == type || (map_rules[i].types[1] == type && type))
			return &map_rules[i];
	return NULL;
}

static bool has_type(const uint32_t *types, size_t n, uint32_t type)
{
	for (size_t i = 0; i < n && types[i]; i++)
		if (types[i] == type)
			return true;
	return false;
}

static bool has_helper(const int32_t *helpers, int32_t helper)
{
	for (size_t i = 0; i < MAX_LIST && helpers[i]; i++)
		if (helpers[i] == helper)
			return true;
	return false;
}

/* Appends ", @s" (or "@s" first) to @buf. */
static void list_add(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s);
}

/*
 * Why helper @h may not be given a map of @type, in @why; false if it may. @name gives helper
 * names.
 */
static bool mismatch(const struct core_ctx *c, int32_t h, uint32_t type,
		     void (*name)(const struct core_ctx *, int32_t, char *, size_t), char *why,
		     size_t size)
{
	const struct helper_rule *hr = helper_rule_of(h);
	const struct map_rule *mr = map_rule_of(type);
	char n[96];

	why[0] = 0;
	if (hr && !has_type(hr->types, MAX_LIST, type)) {
		char list[256] = "";

		for (size_t i = 0; i < MAX_LIST && hr->types[i]; i++)
			list_add(list, sizeof(list), obj_map_type_name(hr->types[i]));
		snprintf(why, size, "it takes only maps of type %s", list);
		return true;
	}
	if (mr && !has_helper(mr->helpers, h)) {
		char list[384] = "";

		for (size_t i = 0; i < MAX_LIST && mr->helpers[i]; i++) {
			name(c, mr->helpers[i], n, sizeof(n));
			list_add(list, sizeof(list), n);
		}
		snprintf(why, size, "a %s map goes only to %s", obj_map_type_name(type), list);
		return true;
	}
	return false;
}

int core_check_map_helpers(struct core_ctx *c,
			   void (*helper_name)(const struct core_ctx *, int32_t, char *, size_t))
{
	const struct bpf_obj_view *obj = c->obj;
	bool known = c->features && c->features->known[BTF_FEATURE_HELPER];

	for (size_t i = 0; i < obj->nrefs; i++) {
		const struct obj_ref *r = &obj->refs[i];
		int arg = r->kind == OBJ_REF_HELPER ? map_arg_of(r->helper) : -1, map, err;
		const struct obj_map *m;
		char name[96], why[512];

		/* a helper the kernel lacks is reported as such */
		if (arg < 0 || !core_ref_reached(obj, r) ||
		    (known && !core_feature_has(c->features, BTF_FEATURE_HELPER, r->helper)))
			continue;
		if ((err = core_reach_call_map(c, r->sec, r->off, arg, &map)))
			return err;
		if (map < 0 || (size_t)map >= obj->nmaps)
			continue;
		m = &obj->maps[map];
		helper_name(c, r->helper, name, sizeof(name));
		if (!mismatch(c, r->helper, m->type, helper_name, why, sizeof(why)))
			continue;
		err = core_finding_reached(
		    c, CORE_ERROR, "map", r->sec, r->off,
		    "%s (helper #%d) is given map '%s' of type %s: %s; the verifier refuses that. "
		    "A "
		    "tool's user space may change the map's type before the load (libbpf-tools' "
		    "compat.bpf.h does); eucc-remote run loads it as declared",
		    name, r->helper, m->name, obj_map_type_name(m->type), why);
		if (err)
			return err;
	}
	return 0;
}
