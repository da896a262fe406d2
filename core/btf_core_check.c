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
 * So the relocations are resolved first, all of them in libbpf's order (a local type's
 * candidates narrow to those that matched its earlier relocations), giving the value libbpf
 * patches into each instruction; then reachability (btf_core_reach.c) tells which poisoned
 * instructions the verifier would visit: those are errors, the others notes. Ambiguous
 * relocations and bitfields no load covers fail the load wherever they are: always errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "reach_internal.h"

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

/*
 * Kernel candidates, per local root type: all of them, and those left after the type's earlier
 * relocations (libbpf keeps the candidates that matched, when any did).
 */
struct cand_entry {
	uint32_t local_id;
	int err;
	uint32_t *all, *ids;
	size_t nall, n;
};

struct cand_cache {
	struct cand_entry *items;
	size_t n;
};

static int cands_get(struct core_ctx *c, struct cand_cache *cc, uint32_t local_id,
		     struct cand_entry **out)
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
		it->err = core_cands_find(c->obj->btf, local_id, c->index, &it->all, &it->nall);
		if (!it->err && !(it->ids = malloc((it->nall ? it->nall : 1) * sizeof(*it->ids))))
			it->err = -ENOMEM;
		if (!it->err && it->nall)
			memcpy(it->ids, it->all, it->nall * sizeof(*it->ids));
		it->n = it->nall;
	}
	*out = it;
	return it->err;
}

static void cands_free(struct cand_cache *cc)
{
	for (size_t i = 0; i < cc->n; i++) {
		free(cc->items[i].all);
		free(cc->items[i].ids);
	}
	free(cc->items);
}

static int relo_error(struct core_ctx *c, const struct obj_relo *r, const char *why, int err)
{
	const char *access = btf__name_by_offset(c->obj->btf, r->access_str_off);

	return core_finding(c, CORE_ERROR, core_kind_is_enumval(r->kind) ? "enum" : "type", r->sec,
			    r->insn_off, "%s (access %s): %s: %s", relo_root_name(c->obj, r),
			    access ? access : "?", why, strerror(-err));
}

/* A failure reported once reachability is known. */
static int pend(struct core_ctx *c, size_t relo, enum core_severity sev, const char *kind,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int pend(struct core_ctx *c, size_t relo, enum core_severity sev, const char *kind,
		const char *fmt, ...)
{
	struct core_pending *p = OBJ_PUSH(c->pending, c->npending);
	va_list ap;

	if (!p)
		return -ENOMEM;
	p->relo = relo;
	p->sev = sev;
	snprintf(p->kind, sizeof(p->kind), "%s", kind);
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* Would one of the candidates an earlier relocation ruled out have matched? */
static bool narrowed_away(const struct core_spec *local, const struct cand_entry *it,
			  const struct btf *kernel)
{
	struct core_spec cand;
	struct core_miss miss;

	for (size_t i = 0; i < it->nall; i++) {
		bool kept = false;

		for (size_t j = 0; j < it->n && !kept; j++)
			kept = it->ids[j] == it->all[i];
		if (!kept && core_spec_match(local, kernel, it->all[i], &cand, &miss) > 0)
			return true;
	}
	return false;
}

/*
 * A relocation no candidate satisfies: existence checks give 0; type_size and type_id give 0
 * (a warning where reached); the others are poisoned (an error where reached).
 */
static int relo_failed(struct core_ctx *c, size_t idx, const struct core_spec *local,
		       const struct core_miss *best, const struct cand_entry *it)
{
	const struct obj_relo *r = &c->obj->relos[idx];
	enum core_severity sev = CORE_ERROR;
	char kind[16], msg[512], path[256];

	c->relo_res[idx] = (struct reach_relo){REACH_VALUE, 0};
	if (core_kind_is_check(r->kind))
		return 0;
	if (r->kind == CORE_TYPE_SIZE || r->kind == CORE_TYPE_ID_TARGET)
		sev = CORE_WARNING;
	else
		c->relo_res[idx].patch = REACH_POISON;
	if (!relo_reached(c->obj, r))
		return 0;
	if (it->n < it->nall && narrowed_away(local, it, c->kernel)) {
		core_spec_path(local, -1, path, sizeof(path));
		return pend(
		    c, idx, sev, core_kind_is_field(r->kind) ? "field" : "type",
		    "%s: no candidate left in %s: the kernel type that has it did not match "
		    "an earlier relocation of the same local type (libbpf keeps only the "
		    "candidates that matched)",
		    path, c->release);
	}
	core_explain_miss(c, local, best, it->nall > 0, kind, sizeof(kind), msg, sizeof(msg));
	return pend(c, idx, sev, kind, "%s", msg);
}

/* Every candidate that matches must give the same answer, or libbpf refuses the relocation. */
static bool same_answer(const struct core_spec *a, const struct core_value *va,
			const struct core_spec *b, const struct core_value *vb)
{
	if (core_kind_is_field(a->kind) && a->bit_off != b->bit_off)
		return false;
	return va->val == vb->val;
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
static int check_mem_size(struct core_ctx *c, size_t idx, const struct core_spec *local,
			  const struct core_spec *targ, const struct core_value *tv)
{
	const struct obj_relo *r = &c->obj->relos[idx];
	struct core_value lv;
	char path[256];

	if (r->kind != CORE_FIELD_BYTE_OFFSET || !is_mem_insn(c->obj, r) ||
	    core_spec_value(local, &lv) || core_mem_size_ok(local, &lv, targ, tv))
		return 0;
	c->relo_res[idx].patch = REACH_POISON;
	if (!relo_reached(c->obj, r))
		return 0;
	core_spec_path(local, -1, path, sizeof(path));
	return pend(c, idx, CORE_ERROR, "field",
		    "%s: the field is %u bytes in %s, the program loads %u", path, tv->mem_size,
		    c->release, lv.mem_size);
}

/* A hard failure: libbpf stops the whole load, reached or not. */
static int relo_fatal(struct core_ctx *c, const struct obj_relo *r, const struct core_spec *local,
		      const char *why)
{
	char path[256];

	core_spec_path(local, -1, path, sizeof(path));
	return core_finding(c, CORE_ERROR, core_kind_is_field(r->kind) ? "field" : "type", r->sec,
			    r->insn_off, "%s: %s in %s", path, why, c->release);
}

static int resolve_relo(struct core_ctx *c, struct cand_cache *cc, size_t idx)
{
	const struct obj_relo *r = &c->obj->relos[idx];
	const char *access = btf__name_by_offset(c->obj->btf, r->access_str_off);
	struct core_spec local, targ, cand;
	struct core_miss miss, best = {.depth = -1};
	struct core_value tv, cv;
	struct cand_entry *it;
	size_t matched = 0;
	int err;

	if ((err = core_spec_parse(c->obj->btf, r->type_id, access, r->kind, &local)))
		return relo_error(c, r, "malformed relocation", err);
	err = cands_get(c, cc, r->type_id, &it);
	if (err == -ENOMEM)
		return err;
	if (err)
		return relo_error(c, r, "libbpf cannot relocate anonymous types", err);
	for (size_t i = 0; i < it->n; i++) {
		err = core_spec_match(&local, c->kernel, it->ids[i], &cand, &miss);
		if (err < 0)
			return relo_error(c, r, "cannot match", err);
		if (!err) {
			if (miss.depth > best.depth)
				best = miss;
			continue;
		}
		err = core_spec_value(&cand, &cv);
		if (err == -E2BIG)
			return relo_fatal(
			    c, r, &local,
			    "a bitfield that no load of 8 bytes or less covers (libbpf "
			    "fails the load: -E2BIG)");
		if (err)
			return relo_error(c, r, "cannot compute", err);
		if (!matched) {
			targ = cand;
			tv = cv;
		} else if (!same_answer(&targ, &tv, &cand, &cv)) {
			return relo_fatal(c, r, &local,
					  "ambiguous: its types of that name disagree");
		}
		it->ids[matched++] =
		    it->ids[i]; /* libbpf narrows the candidates to those that matched */
	}
	if (!matched)
		return relo_failed(c, idx, &local, &best, it);
	it->n = matched;
	c->relo_res[idx] = (struct reach_relo){REACH_VALUE, tv.val};
	err = check_mem_size(c, idx, &local, &targ, &tv);
	return err ?: relo_reached(c->obj, r) ? btf_min_record(c->min, &targ) : 0;
}

int core_resolve_relos(struct core_ctx *c)
{
	struct cand_cache cc = {0};
	int err = 0;

	c->relo_res = calloc(c->obj->nrelos ? c->obj->nrelos : 1, sizeof(*c->relo_res));
	if (!c->relo_res)
		return -ENOMEM;
	/* in .BTF.ext order, as libbpf does: the narrowing depends on it */
	for (size_t i = 0; i < c->obj->nrelos && !err; i++) {
		const struct obj_relo *r = &c->obj->relos[i];

		if (r->func < 0)
			continue; /* not in any function: libbpf skips it */
		if (relo_reached(c->obj, r))
			c->report->relocs++;
		if (r->kind != CORE_TYPE_ID_LOCAL)
			err = resolve_relo(c, &cc, i);
	}
	cands_free(&cc);
	return err;
}

int core_report_relos(struct core_ctx *c)
{
	int err = 0;

	for (size_t i = 0; i < c->npending && !err; i++) {
		const struct core_pending *p = &c->pending[i];
		const struct obj_relo *r = &c->obj->relos[p->relo];

		err = core_finding_reached(c, p->sev, p->kind, r->sec, r->insn_off, "%s", p->msg);
	}
	return err;
}

static enum core_status report_status(const struct core_report *rep)
{
	enum core_status s = CORE_OK;

	for (size_t i = 0; i < rep->count; i++) {
		if (rep->findings[i].severity == CORE_ERROR)
			return CORE_INCOMPATIBLE;
		if (rep->findings[i].severity == CORE_WARNING)
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
	struct btf_index *own = NULL;
	int ret = 0;

	memset(report, 0, sizeof(*report));
	if (opts && opts->sz >= offsetof(struct core_check_opts, release) + sizeof(opts->release) &&
	    opts->release)
		c.release = opts->release;
	if (opts && opts->sz >= offsetof(struct core_check_opts, index) + sizeof(opts->index))
		c.index = opts->index;
	if (c.index && btf_index_btf(c.index) != kernel)
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL,
				      "checking against %s: the name index is of another BTF",
				      c.release);
	if (!c.index && !(ret = btf_index_new(kernel, &own)))
		c.index = own;
	ret = ret ?: btf_min_new(kernel, &c.min);
	ret = ret ?: core_resolve_relos(&c);
	ret = ret ?: core_reach_prepare(&c);
	ret = ret ?: core_report_relos(&c);
	ret = ret ?: core_check_features(&c);
	ret = ret ?: core_check_attach(&c);
	ret = ret ?: btf_min_build(c.min, &report->min_btf, &report->min_btf_size);
	btf_min_free(c.min);
	btf_index_free(own);
	core_reach_free(&c);
	free(c.relo_res);
	free(c.pending);
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

const char *core_severity_name(enum core_severity sev)
{
	return sev == CORE_ERROR ? "error" : sev == CORE_WARNING ? "warning" : "note";
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
