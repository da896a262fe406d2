/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the object needs of the kernel beyond types: helpers (allowing for what libbpf rewrites
 * on old kernels), kfuncs, map types, program types, global data.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "core_internal.h"
#include "features_internal.h"

/*
 * Helper names of the UAPI header this was built with, for ids a kernel does not know. The
 * mapper calls FN(name) with commas between (<= 6.1 headers) or FN(name, id) without.
 */
#define HELPER_NAME(x, ...) [BPF_FUNC_##x] = "bpf_" #x __VA_OPT__(, )
static const char *const uapi_helpers[] = {__BPF_FUNC_MAPPER(HELPER_NAME)};
#undef HELPER_NAME

bool core_feature_has(const struct btf_features *f, enum btf_feature_kind kind, int64_t value)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].kind == kind && f->items[i].value == value)
			return true;
	return false;
}

static bool feature_known(const struct core_ctx *c, enum btf_feature_kind kind)
{
	return c->features && c->features->known[kind];
}

static void helper_name(const struct core_ctx *c, int32_t id, char *buf, size_t size)
{
	size_t n = sizeof(uapi_helpers) / sizeof(uapi_helpers[0]);

	if (id >= 0 && (size_t)id < n && uapi_helpers[id])
		snprintf(buf, size, "%s", uapi_helpers[id]);
	else
		snprintf(buf, size, "helper #%d", id);
	for (size_t i = 0; c->features && i < c->features->count; i++) {
		const struct btf_feature *f = &c->features->items[i];

		if (f->kind == BTF_FEATURE_HELPER && f->value == id)
			btf_feature_display_name(f, buf, size);
	}
}

/* libbpf 1.x replaces bpf_probe_read_{kernel,user}[_str] on kernels that lack them. */
static bool helper_rewritten(const struct core_ctx *c, int32_t id)
{
	switch (id) {
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_user:
		return core_feature_has(c->features, BTF_FEATURE_HELPER, BPF_FUNC_probe_read);
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user_str:
		return core_feature_has(c->features, BTF_FEATURE_HELPER, BPF_FUNC_probe_read_str);
	default:
		return false;
	}
}

bool core_ref_reached(const struct bpf_obj_view *obj, const struct obj_ref *r)
{
	for (size_t i = 0; i < obj->nprogs; i++)
		if (r->func < 0 || obj->progs[i].reach[r->func])
			return true;
	return false;
}

/* The helper the kernel is asked for: @id, or what libbpf rewrites it into; -1 if neither. */
static int32_t helper_effective(const struct core_ctx *c, int32_t id)
{
	if (!feature_known(c, BTF_FEATURE_HELPER))
		return -1;
	if (core_feature_has(c->features, BTF_FEATURE_HELPER, id))
		return id;
	if (!helper_rewritten(c, id))
		return -1;
	return id == BPF_FUNC_probe_read_kernel || id == BPF_FUNC_probe_read_user
		   ? BPF_FUNC_probe_read
		   : BPF_FUNC_probe_read_str;
}

/* Keep @r in *best if it is reached better than *best (live over a parameter's value over dead). */
static int keep_best(struct core_ctx *c, const struct obj_ref *r, const struct obj_ref **best,
		     enum core_reach_rank *best_rank)
{
	enum core_reach_rank rank;
	char why[128];
	int err = core_reach_rank(c, r->sec, r->off, why, sizeof(why), &rank);

	if (!err && (!*best || rank > *best_rank)) {
		*best = r;
		*best_rank = rank;
	}
	return err;
}

/* Each missing helper once, at its call reached best (the first of those). */
static int check_helpers(struct core_ctx *c)
{
	const struct bpf_obj_view *obj = c->obj;

	if (!feature_known(c, BTF_FEATURE_HELPER))
		return 0;
	for (size_t i = 0; i < obj->nrefs; i++) {
		const struct obj_ref *r = &obj->refs[i], *best = NULL;
		enum core_reach_rank best_rank = CORE_REACH_DEAD;
		bool first = true;
		char name[96];
		int err;

		if (r->kind != OBJ_REF_HELPER || !core_ref_reached(obj, r) ||
		    core_feature_has(c->features, BTF_FEATURE_HELPER, r->helper) ||
		    helper_rewritten(c, r->helper))
			continue;
		for (size_t j = 0; j < i && first; j++)
			first = !(obj->refs[j].kind == OBJ_REF_HELPER &&
				  obj->refs[j].helper == r->helper &&
				  core_ref_reached(obj, &obj->refs[j]));
		if (!first)
			continue;
		for (size_t j = i; j < obj->nrefs; j++) {
			const struct obj_ref *q = &obj->refs[j];

			if (q->kind != OBJ_REF_HELPER || q->helper != r->helper ||
			    !core_ref_reached(obj, q))
				continue;
			if ((err = keep_best(c, q, &best, &best_rank)))
				return err;
		}
		helper_name(c, r->helper, name, sizeof(name));
		err = core_finding_reached(c, CORE_ERROR, "helper", best->sec, best->off,
					   "%s (helper #%d) is not available in %s", name,
					   r->helper, c->release);
		if (err)
			return err;
	}
	return 0;
}

/* kfuncs must be kernel functions. A __weak one may be missing (vmlinux.h declares every kfunc
 * so, as bpftool's does), if the program never reaches its call there (bpf_ksym_exists): that
 * cannot be confirmed, a warning. */
static int check_kfuncs(struct core_ctx *c)
{
	const struct bpf_obj_view *obj = c->obj;

	for (size_t i = 0; i < obj->nrefs; i++) {
		const struct obj_ref *r = &obj->refs[i];
		int err = 0;

		if (r->kind != OBJ_REF_KFUNC || !core_ref_reached(obj, r) ||
		    btf_index_find(c->index, r->name, BTF_KIND_FUNC) > 0)
			continue;
		if (!btf_index_has_funcs(c->index))
			err =
			    core_finding_reached(c, CORE_WARNING, "helper", r->sec, r->off,
						 "kfunc %s: cannot tell, %s's BTF has no functions",
						 r->name, c->release);
		else /* a __weak one is left out by libbpf: the verifier refuses it if reached */
			err = core_finding_reached(c, CORE_ERROR, "helper", r->sec, r->off,
						   "kfunc %s is not available in %s", r->name,
						   c->release);
		if (err)
			return err;
	}
	return 0;
}

/* The instruction referencing map @name that is reached best, NULL if none does. */
static int map_best_ref(struct core_ctx *c, const char *name, const struct obj_ref **best)
{
	enum core_reach_rank best_rank = CORE_REACH_DEAD;

	*best = NULL;
	for (size_t i = 0; i < c->obj->nrefs; i++) {
		const struct obj_ref *r = &c->obj->refs[i];
		int err;

		if (r->kind != OBJ_REF_MAP || strcmp(r->name, name) || !core_ref_reached(c->obj, r))
			continue;
		if ((err = keep_best(c, r, best, &best_rank)))
			return err;
	}
	return 0;
}

/* Maps that the tool's own user space sizes at run time: they fail to create as they are. */
static int check_map_sizes(struct core_ctx *c)
{
	for (size_t i = 0; i < c->obj->nmaps; i++) {
		const struct obj_map *m = &c->obj->maps[i];
		const struct obj_ref *r;
		int err;

		if (!obj_map_user_sized(m->type, m->max_entries))
			continue;
		/* libbpf creates every map, reached or not: where it is used is only a location */
		if ((err = map_best_ref(c, m->name, &r)))
			return err;
		if (!m->value_size && obj_map_needs_value_size(m->type))
			err = core_finding(
			    c, CORE_ERROR, "map", r ? r->sec : -1, r ? r->off : 0,
			    "map '%s' (%s) has max_entries 0 and no value size: its user space "
			    "sizes "
			    "both, and no kernel creates it as packaged (--map-size sets only the "
			    "entries; declare __uint(value_size, N) or __type(value, T))",
			    m->name, obj_map_type_name(m->type));
		else
			err = core_finding(
			    c, CORE_WARNING, "map", r ? r->sec : -1, r ? r->off : 0,
			    "map '%s' (%s) has max_entries 0: sized by its user space: run "
			    "with --map-size %s=N",
			    m->name, obj_map_type_name(m->type), m->name);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A map of a type the kernel lacks fails only where a program that is reached uses it: libbpf
 * poisons the uses of a map it does not create, and eucc-remote run does not create such maps.
 */
static int check_maps(struct core_ctx *c)
{
	int err = check_map_sizes(c);

	if (err || !feature_known(c, BTF_FEATURE_MAP_TYPE))
		return err;
	for (size_t i = 0; i < c->obj->nmaps; i++) {
		const struct obj_map *m = &c->obj->maps[i];
		const struct obj_ref *r;

		if (core_feature_has(c->features, BTF_FEATURE_MAP_TYPE, m->type))
			continue;
		if ((err = map_best_ref(c, m->name, &r)))
			return err;
		if (r)
			err = core_finding_reached(c, CORE_ERROR, "map", r->sec, r->off,
						   "map '%s': map type %s is not available in %s",
						   m->name, obj_map_type_name(m->type), c->release);
		else
			err = core_finding(c, CORE_NOTE, "map", -1, 0,
					   "guarded: map '%s': map type %s is not available in %s "
					   "(no program uses it)",
					   m->name, obj_map_type_name(m->type), c->release);
		if (err)
			return err;
	}
	return 0;
}

/* fentry, fexit, fmod_ret: the tracing programs that need a BPF trampoline (tp_btf and iter do
 * not, and load where those are refused). */
static bool on_trampoline(const struct obj_prog *p)
{
	return p->type == BPF_PROG_TYPE_TRACING &&
	       (p->expected_attach == BPF_TRACE_FENTRY || p->expected_attach == BPF_TRACE_FEXIT ||
		p->expected_attach == BPF_MODIFY_RETURN);
}

/* Whether the measured table of program types that load speaks for @p: the tracing type's
 * entry is measured with fentry, so it speaks only for programs on a trampoline. */
static bool measured_kind(const struct obj_prog *p)
{
	if (p->type == BPF_PROG_TYPE_TRACING)
		return on_trampoline(p);
	return btf_features_probes_type(p->type);
}

static int check_prog_type(struct core_ctx *c, const struct obj_prog *p)
{
	const struct obj_func *f = &c->obj->funcs[p->func];
	const char *type = obj_prog_type_name(p), *attach;
	char uapi[96];

	if (!p->type_known)
		return core_finding(c, CORE_ERROR, "program", f->sec, f->off,
				    "program '%s': libbpf does not know section '%s'", p->name,
				    p->section);
	obj_type_enum_name("BPF_PROG_TYPE_", type, uapi, sizeof(uapi));
	if (feature_known(c, BTF_FEATURE_PROG_TYPE) &&
	    !core_feature_has(c->features, BTF_FEATURE_PROG_TYPE, p->type))
		return core_finding(c, CORE_ERROR, "program", f->sec, f->off,
				    "program '%s': program type %s (%s) is not available in %s",
				    p->name, type, uapi, c->release);
	if (feature_known(c, BTF_FEATURE_PROG_LOADS) && measured_kind(p) &&
	    !core_feature_has(c->features, BTF_FEATURE_PROG_LOADS, p->type))
		return core_finding(
		    c, CORE_ERROR, "program", f->sec, f->off,
		    "program '%s': %s programs%s do not load in %s (measured on that "
		    "kernel: it refuses them)",
		    p->name, type, on_trampoline(p) ? " on a BPF trampoline" : "", c->release);
	/* tracing and LSM programs need their attach type too (fentry 5.5, fmod_ret 5.7) */
	if ((p->type != BPF_PROG_TYPE_TRACING && p->type != BPF_PROG_TYPE_LSM) ||
	    !feature_known(c, BTF_FEATURE_ATTACH_TYPE) ||
	    core_feature_has(c->features, BTF_FEATURE_ATTACH_TYPE, p->expected_attach))
		return 0;
	attach = libbpf_bpf_attach_type_str(p->expected_attach);
	return core_finding(c, CORE_ERROR, "program", f->sec, f->off,
			    "program '%s': attach type %s is not available in %s", p->name,
			    attach ? attach : "?", c->release);
}

/*
 * Global data (.data, .rodata, .bss as array maps) came with Linux 5.2, in the same change as
 * the map operation map_direct_value_addr. Its presence in the kernel's own struct bpf_map_ops
 * is the signal: it tells what the kernel implements, also for backports (enterprise 4.19
 * kernels carry helper enums synced to later releases without the code behind them).
 * 1: supported, 0: not, -1: cannot tell (no struct bpf_map_ops in the BTF).
 */
static int global_data_support(const struct btf *k)
{
	uint32_t n = btf__type_cnt(k);
	bool seen = false;

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(k, id);
		const struct btf_member *m;
		const char *name;

		if (!btf_is_struct(t) || !(name = btf__name_by_offset(k, t->name_off)) ||
		    strcmp(name, "bpf_map_ops"))
			continue;
		seen = true;
		m = btf_members(t);
		for (int i = 0; i < btf_vlen(t); i++, m++)
			if (!strcmp(btf__name_by_offset(k, m->name_off) ?: "",
				    "map_direct_value_addr"))
				return 1;
	}
	return seen ? 0 : -1;
}

/* libbpf only fails programs that reference global data: one finding per such program. */
static int check_global_data(struct core_ctx *c)
{
	const struct bpf_obj_view *obj = c->obj;
	int support = -2;

	for (size_t i = 0; i < obj->nprogs; i++) {
		const struct obj_prog *p = &obj->progs[i];
		const struct obj_ref *r = NULL;

		enum core_reach_rank best_rank = CORE_REACH_DEAD;

		for (size_t j = 0; j < obj->nrefs; j++) {
			const struct obj_ref *q = &obj->refs[j];
			int err;

			if (q->kind != OBJ_REF_DATA || q->func < 0 || !p->reach[q->func])
				continue;
			if ((err = keep_best(c, q, &r, &best_rank)))
				return err;
		}
		if (!r)
			continue;
		if (support == -2)
			support = global_data_support(c->kernel);
		if (support == 1)
			return 0;
		if (support == 0 &&
		    core_finding_reached(
			c, CORE_ERROR, "map", r->sec, r->off,
			"program '%s' uses global data (%s), which %s does not support "
			"(Linux 5.2+)",
			p->name, r->name, c->release))
			return -ENOMEM;
		if (support < 0 && core_finding_reached(
				       c, CORE_WARNING, "map", r->sec, r->off,
				       "program '%s' uses global data (%s): cannot tell whether %s "
				       "supports it (Linux 5.2+)",
				       p->name, r->name, c->release))
			return -ENOMEM;
	}
	return 0;
}

/*
 * A callback's address (ld_imm64 with BPF_PSEUDO_FUNC: bpf_loop, bpf_for_each_map_elem, timers)
 * came with Linux 5.13, with bpf_for_each_map_elem; older kernels refuse the instruction (4.19)
 * or the callback in the func info (5.10) before they follow any path. So it is an error
 * reached or not, where the kernel's enum bpf_func_id lacks bpf_for_each_map_elem.
 */
static int check_callbacks(struct core_ctx *c)
{
	const struct bpf_obj_view *obj = c->obj;

	if (!feature_known(c, BTF_FEATURE_HELPER) ||
	    core_feature_has(c->features, BTF_FEATURE_HELPER, BPF_FUNC_for_each_map_elem))
		return 0;
	for (size_t i = 0; i < obj->ncalls; i++) {
		const struct obj_call *k = &obj->calls[i];
		int f = obj_func_at(obj, k->sec, k->off);
		bool in_prog = false;
		int err;

		for (size_t p = 0; f >= 0 && p < obj->nprogs; p++)
			in_prog |= obj->progs[p].reach[f];
		if (!k->callback || k->to < 0 || !in_prog)
			continue;
		/* at the callback: the compiler may place the address's load anywhere */
		err = core_finding(
		    c, CORE_ERROR, "helper", obj->funcs[k->to].sec, obj->funcs[k->to].off,
		    "callback '%s': %s does not support callback addresses "
		    "(BPF_PSEUDO_FUNC, Linux 5.13+, with bpf_for_each_map_elem): the "
		    "kernel refuses them before it follows any path, so a guard around "
		    "the call does not help; build the object for %s without the callback",
		    obj->funcs[k->to].name, c->release, c->release);
		if (err)
			return err;
	}
	return 0;
}

int core_check_features(struct core_ctx *c)
{
	int err = check_helpers(c);

	err = err ?: check_callbacks(c);
	err = err ?: core_check_map_helpers(c, helper_name);

	err = err ?: core_check_prog_helpers(c, helper_effective, helper_name);
	err = err ?: check_kfuncs(c);
	err = err ?: check_maps(c);
	for (size_t i = 0; !err && i < c->obj->nprogs; i++)
		err = check_prog_type(c, &c->obj->progs[i]);
	return err ?: check_global_data(c);
}
