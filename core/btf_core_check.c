/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core_check: every CO-RE relocation of an object resolved against one kernel's BTF, as
 * libbpf would at load time, with a finding for each one that does not resolve.
 *
 * libbpf does not fail the load for a relocation that does not resolve: it "poisons" the
 * instruction, and only a poisoned instruction the verifier can reach breaks the load. Portable
 * programs rely on that:
 *
 *	if (bpf_core_field_exists(t->__state))
 *		s = BPF_CORE_READ(t, __state);
 *	else
 *		s = BPF_CORE_READ((struct task_struct___pre514 *)t, state);
 *
 * Guard rule. We do not run the verifier, so reachability is approximated: a relocation that
 * does not resolve is *guarded* if every program that contains it (its own code or a
 * subprogram it calls) also contains an existence check - a field_exists, type_exists,
 * type_matches or enumval_exists relocation - on a type with the same essential name (flavor
 * suffix ___xxx stripped) as the failing relocation's root type. Guarded failures are not
 * reported; unguarded ones are errors (warnings for type_size/type_id, which libbpf resolves to
 * 0 instead of poisoning). The existence checks themselves never fail: they resolve to 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

static bool same_finding(const struct core_finding *a, const struct core_finding *b)
{
	return a->severity == b->severity && a->line == b->line && !strcmp(a->kind, b->kind) &&
	       !strcmp(a->message, b->message) && !strcmp(a->file, b->file);
}

int core_finding(struct core_ctx *c, enum core_severity sev, const char *kind, int sec,
		 uint32_t off, const char *fmt, ...)
{
	struct core_report *rep = c->report;
	struct core_finding f = {.severity = sev};
	const char *file;
	va_list ap;

	snprintf(f.kind, sizeof(f.kind), "%s", kind);
	va_start(ap, fmt);
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	va_end(ap);
	if (sec >= 0 && obj_line_at(c->obj, sec, off, &file, &f.line))
		snprintf(f.file, sizeof(f.file), "%s", file);
	for (size_t i = 0; i < rep->count; i++)
		if (same_finding(&rep->findings[i], &f))
			return 0;
	if (rep->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct core_finding *n = realloc(rep->findings, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rep->findings = n;
		c->cap = cap;
	}
	rep->findings[rep->count++] = f;
	return 0;
}

static const char *relo_root_name(const struct bpf_obj_view *obj, const struct obj_relo *r)
{
	const struct btf_type *t = btf__type_by_id(obj->btf, r->type_id);
	const char *name = t ? btf__name_by_offset(obj->btf, t->name_off) : NULL;

	return name ? name : "";
}

/* Does a program reach the function holding @r? Unreached code is never loaded. */
static bool prog_has(const struct obj_prog *p, const struct obj_relo *r)
{
	return r->func < 0 || p->reach[r->func];
}

static bool relo_reached(const struct bpf_obj_view *obj, const struct obj_relo *r)
{
	for (size_t i = 0; i < obj->nprogs; i++)
		if (prog_has(&obj->progs[i], r))
			return true;
	return false;
}

static bool prog_checks(const struct bpf_obj_view *obj, const struct obj_prog *p, const char *name)
{
	for (size_t i = 0; i < obj->nrelos; i++) {
		const struct obj_relo *q = &obj->relos[i];

		if (core_kind_is_check(q->kind) && prog_has(p, q) &&
		    core_names_equal(relo_root_name(obj, q), name))
			return true;
	}
	return false;
}

/* The guard rule above. */
static bool relo_guarded(const struct bpf_obj_view *obj, const struct obj_relo *r)
{
	const char *name = relo_root_name(obj, r);
	bool any = false;

	for (size_t i = 0; i < obj->nprogs; i++) {
		if (!prog_has(&obj->progs[i], r))
			continue;
		if (!prog_checks(obj, &obj->progs[i], name))
			return false;
		any = true;
	}
	return any;
}

/* Kernel candidates, cached per local root type. */
struct cand_entry {
	uint32_t local_id;
	int err;
	uint32_t *ids;
	size_t n;
};

struct cand_cache {
	struct cand_entry *items;
	size_t n;
};

static int cands_get(struct core_ctx *c, struct cand_cache *cc, uint32_t local_id,
		     const uint32_t **ids, size_t *n)
{
	struct cand_entry *it = NULL;

	for (size_t i = 0; i < cc->n && !it; i++)
		if (cc->items[i].local_id == local_id)
			it = &cc->items[i];
	if (!it) {
		it = OBJ_PUSH(cc->items, cc->n);
		if (!it)
			return -ENOMEM;
		it->local_id = local_id;
		it->err = core_cands_find(c->obj->btf, local_id, c->kernel, &it->ids, &it->n);
	}
	*ids = it->ids;
	*n = it->n;
	return it->err;
}

static void cands_free(struct cand_cache *cc)
{
	for (size_t i = 0; i < cc->n; i++)
		free(cc->items[i].ids);
	free(cc->items);
}

static int relo_error(struct core_ctx *c, const struct obj_relo *r, const char *why, int err)
{
	const char *access = btf__name_by_offset(c->obj->btf, r->access_str_off);

	return core_finding(c, CORE_ERROR, core_kind_is_enumval(r->kind) ? "enum" : "type", r->sec,
			    r->insn_off, "%s (access %s): %s: %s", relo_root_name(c->obj, r),
			    access ? access : "?", why, strerror(-err));
}

/* A relocation no candidate satisfies: poisoned (error) or zero (warning), unless guarded. */
static int relo_failed(struct core_ctx *c, const struct obj_relo *r, const struct core_spec *local,
		       const struct core_miss *best, bool have_cands)
{
	enum core_severity sev = CORE_ERROR;
	char kind[16], msg[512];

	if (core_kind_is_check(r->kind) || relo_guarded(c->obj, r))
		return 0;
	if (r->kind == CORE_TYPE_SIZE || r->kind == CORE_TYPE_ID_TARGET)
		sev = CORE_WARNING;
	core_explain_miss(c, local, best, have_cands, kind, sizeof(kind), msg, sizeof(msg));
	return core_finding(c, sev, kind, r->sec, r->insn_off, "%s", msg);
}

/* Every candidate that matches must give the same answer, or libbpf refuses the relocation. */
static bool same_answer(const struct core_spec *a, const struct core_spec *b)
{
	struct core_value va, vb;

	if (core_kind_is_field(a->kind) && a->bit_off != b->bit_off)
		return false;
	if (core_spec_value(a, &va) || core_spec_value(b, &vb))
		return false;
	return va.val == vb.val;
}

static bool is_mem_insn(const struct bpf_obj_view *obj, const struct obj_relo *r)
{
	const struct obj_sec *s = &obj->secs[r->sec];
	uint8_t cls;

	if (r->insn_off % 8 || r->insn_off >= s->size || !s->insns)
		return false;
	cls = BPF_CLASS(s->insns[r->insn_off / 8].code);
	return cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX;
}

/* A field load whose size changes in a way libbpf cannot adjust (it poisons the load). */
static int check_mem_size(struct core_ctx *c, const struct obj_relo *r,
			  const struct core_spec *local, const struct core_spec *targ)
{
	struct core_value lv, tv;
	char path[256];

	if (r->kind != CORE_FIELD_BYTE_OFFSET || !is_mem_insn(c->obj, r) ||
	    core_spec_value(local, &lv) || core_spec_value(targ, &tv) ||
	    core_mem_size_ok(local, &lv, targ, &tv) || relo_guarded(c->obj, r))
		return 0;
	core_spec_path(local, -1, path, sizeof(path));
	return core_finding(c, CORE_ERROR, "field", r->sec, r->insn_off,
			    "%s: the field is %u bytes in %s, the program loads %u", path,
			    tv.mem_size, c->release, lv.mem_size);
}

static int check_relo(struct core_ctx *c, struct cand_cache *cc, const struct obj_relo *r)
{
	const char *access = btf__name_by_offset(c->obj->btf, r->access_str_off);
	struct core_spec local, targ, cand;
	struct core_miss miss, best = {.depth = -1};
	const uint32_t *ids;
	size_t n, matched = 0;
	int err;

	if ((err = core_spec_parse(c->obj->btf, r->type_id, access, r->kind, &local)))
		return relo_error(c, r, "malformed relocation", err);
	err = cands_get(c, cc, r->type_id, &ids, &n);
	if (err == -ENOMEM)
		return err;
	if (err)
		return relo_error(c, r, "libbpf cannot relocate anonymous types", err);
	for (size_t i = 0; i < n; i++) {
		err = core_spec_match(&local, c->kernel, ids[i], &cand, &miss);
		if (err < 0)
			return relo_error(c, r, "cannot match", err);
		if (!err) {
			if (miss.depth > best.depth)
				best = miss;
		} else if (!matched++) {
			targ = cand;
		} else if (!same_answer(&targ, &cand)) {
			char path[256];

			core_spec_path(&local, -1, path, sizeof(path));
			return core_finding(c, CORE_ERROR, "type", r->sec, r->insn_off,
					    "%s: ambiguous in %s: its types of that name disagree",
					    path, c->release);
		}
	}
	if (!matched)
		return relo_failed(c, r, &local, &best, n > 0);
	err = check_mem_size(c, r, &local, &targ);
	return err ?: btf_min_record(c->min, &targ);
}

int core_check_relos(struct core_ctx *c)
{
	struct cand_cache cc = {0};
	int err = 0;

	for (size_t i = 0; i < c->obj->nrelos && !err; i++) {
		const struct obj_relo *r = &c->obj->relos[i];

		if (!relo_reached(c->obj, r))
			continue;
		c->report->relocs++;
		if (r->kind != CORE_TYPE_ID_LOCAL)
			err = check_relo(c, &cc, r);
	}
	cands_free(&cc);
	return err;
}

static enum core_status report_status(const struct core_report *rep)
{
	enum core_status s = CORE_OK;

	for (size_t i = 0; i < rep->count; i++) {
		if (rep->findings[i].severity == CORE_ERROR)
			return CORE_INCOMPATIBLE;
		s = CORE_STATUS_WARNING;
	}
	return s;
}

int core_check(const struct bpf_obj_view *obj, const struct btf *kernel,
	       const struct btf_features *features, const struct core_check_opts *opts,
	       struct core_report *report, struct eucc_error *err)
{
	struct core_ctx c = {.obj = obj,
			     .kernel = kernel,
			     .features = features,
			     .report = report,
			     .release = "this kernel"};
	int ret;

	memset(report, 0, sizeof(*report));
	if (opts && opts->sz >= offsetof(struct core_check_opts, release) + sizeof(opts->release) &&
	    opts->release)
		c.release = opts->release;
	ret = btf_min_new(kernel, &c.min);
	ret = ret ?: core_check_relos(&c);
	ret = ret ?: core_check_features(&c);
	ret = ret ?: core_check_attach(&c);
	ret = ret ?: btf_min_build(c.min, &report->min_btf, &report->min_btf_size);
	btf_min_free(c.min);
	if (ret) {
		core_report_free(report);
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "checking against %s: %s",
				      c.release, strerror(-ret));
	}
	report->status = report_status(report);
	return 0;
}

void core_report_free(struct core_report *report)
{
	if (!report)
		return;
	free(report->findings);
	free(report->min_btf);
	memset(report, 0, sizeof(*report));
}

const char *core_status_name(enum core_status status)
{
	switch (status) {
	case CORE_OK:
		return "ok";
	case CORE_STATUS_WARNING:
		return "warning";
	default:
		return "incompatible";
	}
}
