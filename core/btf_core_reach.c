/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reachability for the checker: the analysis of bpf_reach.c run with this kernel's relocation
 * results and the parameters' defaults, and again with other values of the parameters that
 * decided a branch, so that a finding can say whether its instruction is reached, reached only
 * with another value of a parameter, or never (guarded).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "reach_internal.h"

#define MAX_PARAM_RUNS 16

struct param_run {
	struct reach_param p;
	struct reach_result res;
};

struct core_reach {
	struct reach_result base;
	struct param_run runs[MAX_PARAM_RUNS];
	size_t nruns;
	bool probed;
	struct reach_result all; /* every branch both ways: values on dead paths too */
	bool have_all;
};

static struct reach_input reach_input(const struct core_ctx *c, struct reach_param p)
{
	return (struct reach_input){
	    .obj = c->obj, .kernel = c->kernel, .relos = c->relo_res, .param = p};
}

int core_reach_prepare(struct core_ctx *c)
{
	struct reach_input in = reach_input(c, (struct reach_param){.global = -1});

	c->reach = calloc(1, sizeof(*c->reach));
	if (!c->reach)
		return -ENOMEM;
	return reach_run(&in, &c->reach->base);
}

void core_reach_free(struct core_ctx *c)
{
	if (!c->reach)
		return;
	reach_result_free(&c->reach->base);
	reach_result_free(&c->reach->all);
	for (size_t i = 0; i < c->reach->nruns; i++)
		reach_result_free(&c->reach->runs[i].res);
	free(c->reach);
	c->reach = NULL;
}

/* @v as the bytes of global @g (little-endian), and whether it differs from its default. */
static bool param_value(const struct bpf_obj_view *obj, const struct obj_global *g, uint64_t v,
			unsigned char *bytes)
{
	int sec = obj_sec_find(obj, g->section);
	const struct obj_sec *s = sec > 0 ? &obj->secs[sec] : NULL;

	if (!s || !s->rodata || !s->bytes || !g->size || g->size > 8 ||
	    (uint64_t)g->offset + g->size > s->size)
		return false;
	for (uint32_t i = 0; i < g->size; i++)
		bytes[i] = (unsigned char)(v >> (8 * i));
	return memcmp(bytes, s->bytes + g->offset, g->size) != 0;
}

static bool run_known(const struct core_reach *r, int global, const unsigned char *bytes,
		      const struct bpf_obj_view *obj)
{
	for (size_t i = 0; i < r->nruns; i++) {
		unsigned char b[8];

		if (r->runs[i].p.global == global &&
		    param_value(obj, &obj->globals[global], r->runs[i].p.value, b) &&
		    !memcmp(b, bytes, obj->globals[global].size))
			return true;
	}
	return false;
}

/* Runs with the values that may turn the branches the parameters decided (breadth first). */
static int probe_params(struct core_ctx *c)
{
	struct core_reach *r = c->reach;
	const struct reach_result *src = &r->base;
	size_t next = 0;

	r->probed = true;
	for (;;) {
		for (size_t i = 0; i < src->ncands && r->nruns < MAX_PARAM_RUNS; i++) {
			const struct reach_cand *k = &src->cands[i];
			struct param_run *pr;
			struct reach_input in;
			unsigned char bytes[8];
			int err;

			if (!param_value(c->obj, &c->obj->globals[k->global], k->value, bytes) ||
			    run_known(r, k->global, bytes, c->obj))
				continue;
			pr = &r->runs[r->nruns];
			pr->p = (struct reach_param){k->global, k->value};
			in = reach_input(c, pr->p);
			if ((err = reach_run(&in, &pr->res)))
				return err;
			r->nruns++;
		}
		if (next >= r->nruns || r->nruns >= MAX_PARAM_RUNS)
			return 0;
		src = &r->runs[next++].res;
	}
}

int core_reach_rank(struct core_ctx *c, int sec, uint32_t off, char *why, size_t size,
		    enum core_reach_rank *rank)
{
	int err;

	*rank = CORE_REACH_LIVE;
	if (!c->reach || reach_live(&c->reach->base, sec, off))
		return 0;
	if (!c->reach->probed && (err = probe_params(c)))
		return err;
	*rank = CORE_REACH_DEAD;
	for (size_t i = 0; i < c->reach->nruns; i++) {
		const struct param_run *pr = &c->reach->runs[i];
		const struct obj_global *g = &c->obj->globals[pr->p.global];
		unsigned char bytes[8];
		char val[64];

		if (!reach_live(&pr->res, sec, off))
			continue;
		param_value(c->obj, g, pr->p.value, bytes);
		btf_value_text(c->obj->btf, g->type_id, bytes, g->size, 0, val, sizeof(val));
		snprintf(why, size, "%s=%s", g->name, val);
		*rank = CORE_REACH_PARAM;
		return 0;
	}
	return 0;
}

int core_finding_reached(struct core_ctx *c, enum core_severity sev, const char *kind, int sec,
			 uint32_t off, const char *fmt, ...)
{
	enum core_reach_rank rank;
	char msg[480], why[128];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((err = core_reach_rank(c, sec, off, why, sizeof(why), &rank)))
		return err;
	if (rank == CORE_REACH_LIVE)
		return core_finding(c, sev, kind, sec, off, "%s", msg);
	if (rank == CORE_REACH_PARAM)
		return core_finding(c, CORE_WARNING, kind, sec, off, "with %s: %s", why, msg);
	return core_finding(c, CORE_NOTE, kind, sec, off, "guarded: %s", msg);
}

int core_reach_call_map(struct core_ctx *c, int sec, uint32_t off, int arg, int *map)
{
	struct core_reach *r = c->reach;
	struct reach_input in;
	int err;

	*map = -1;
	if (!r)
		return 0;
	if (reach_live(&r->base, sec, off)) {
		*map = reach_call_map(&r->base, sec, off, arg);
		return 0;
	}
	if (!r->have_all) {
		in = reach_input(c, (struct reach_param){.global = -1});
		in.all_paths = true;
		if ((err = reach_run(&in, &r->all)))
			return err;
		r->have_all = true;
	}
	*map = reach_call_map(&r->all, sec, off, arg);
	return 0;
}
