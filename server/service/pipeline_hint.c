/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compile error that only the header kernel causes: the program names an identifier, a type
 * or a member that the header kernel's BTF lacks and the newest stored kernel of the arch has
 * (a ring buffer map compiled with --kernel 4.19 alone). The hint says how to compile against
 * a newer kernel's header.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "pipeline_internal.h"

#define MISSING_MAX    8
#define CANDIDATES_MAX 4 /* older kernels looked at before the newest is suggested */

static bool has_enum_value(const struct btf *btf, const char *name)
{
	uint32_t n = btf__type_cnt(btf);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (int i = 0; i < btf_vlen(t); i++)
				if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
					return true;
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (int i = 0; i < btf_vlen(t); i++)
				if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
					return true;
		}
	}
	return false;
}

/* The struct or union @m names, with its members (a typedef followed to it). */
static const struct btf_type *record(const struct btf *btf, const struct compile_missing *m)
{
	const struct btf_type *t;
	int id;

	if (m->is_typedef) {
		id = btf__find_by_name_kind(btf, m->name, BTF_KIND_TYPEDEF);
		if (id <= 0)
			return NULL;
		id = btf__resolve_type(btf, (uint32_t)id);
	} else {
		id = btf__find_by_name_kind(btf, m->name,
					    m->is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	}
	t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	return t && btf_is_composite(t) ? t : NULL;
}

/* A member of @t by name, also in its anonymous members. */
static bool has_member(const struct btf *btf, const struct btf_type *t, const char *name, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t) && depth < 8; i++, m++) {
		const struct btf_type *mt;

		if (m->name_off) {
			if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
				return true;
			continue;
		}
		mt = btf__type_by_id(btf, (uint32_t)btf__resolve_type(btf, m->type));
		if (mt && btf_is_composite(mt) && has_member(btf, mt, name, depth + 1))
			return true;
	}
	return false;
}

static bool btf_has(const struct btf *btf, const struct compile_missing *m)
{
	const struct btf_type *t;

	switch (m->kind) {
	case COMPILE_MISSING_IDENT:
		return has_enum_value(btf, m->name) || btf__find_by_name(btf, m->name) > 0;
	case COMPILE_MISSING_TYPE:
		return btf__find_by_name_kind(btf, m->name, BTF_KIND_TYPEDEF) > 0;
	case COMPILE_MISSING_RECORD:
		return record(btf, m) != NULL;
	case COMPILE_MISSING_MEMBER:
		t = record(btf, m);
		return t && has_member(btf, t, m->member, 0);
	}
	return false;
}

/* What the compile errors say is missing (at most MISSING_MAX); how many. */
static size_t missing_names(const cJSON *diags, struct compile_missing *out)
{
	const cJSON *d;
	size_t n = 0;

	cJSON_ArrayForEach(d, diags) {
		if (n == MISSING_MAX)
			break;
		if (!strcmp(json_str(d, "severity"), "error") &&
		    compile_diag_missing(json_str(d, "message"), &out[n]))
			n++;
	}
	return n;
}

static int cmp_release(const void *a, const void *b)
{
	return release_cmp(((const struct btf_kernel *)a)->release,
			   ((const struct btf_kernel *)b)->release);
}

/* The stored kernels of @arch newer than @release, oldest first. */
static size_t newer_kernels(struct service *s, const char *arch, const char *release,
			    struct btf_kernel **out)
{
	struct eucc_error err = {0};
	size_t n = 0, m = 0;

	*out = NULL;
	if (btf_store_match(s->store, NULL, arch, out, &n, &err))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (release_cmp((*out)[i].release, release) > 0)
			(*out)[m++] = (*out)[i];
	qsort(*out, m, sizeof(**out), cmp_release);
	return m;
}

/* Which of @miss kernel @k has: bit i for miss[i]. */
static unsigned int known(struct pipeline_job *c, const struct btf_kernel *k,
			  const struct compile_missing *miss, size_t n)
{
	struct eucc_error err = {0};
	struct kernel_entry *e;
	unsigned int mask = 0;

	if (kernel_cache_get(&c->s->kernels, c->s->store, k, &e, &err))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (btf_has(e->btf, &miss[i]))
			mask |= 1u << i;
	kernel_cache_put(&c->s->kernels, e);
	return mask;
}

static void describe(const struct compile_missing *m, char *out, size_t size)
{
	const char *rec = m->is_typedef ? "" : m->is_union ? "union " : "struct ";

	if (m->kind == COMPILE_MISSING_MEMBER)
		snprintf(out, size, "%s%s.%s", rec, m->name, m->member);
	else if (m->kind == COMPILE_MISSING_RECORD)
		snprintf(out, size, "%s%s", rec, m->name);
	else
		snprintf(out, size, "%s", m->name);
}

/* "6.1" of "6.1.0-47-cloud-amd64": the spec of its major.minor. */
static void major_minor(const char *release, char *out, size_t size)
{
	size_t n = strspn(release, "0123456789");

	if (release[n] == '.')
		n += 1 + strspn(release + n + 1, "0123456789");
	snprintf(out, size, "%.*s", (int)n, release);
}

/*
 * The newest kernel tells whether a newer header helps at all; the oldest newer kernel that
 * has all the newest has of what is missing is the one to suggest (a few looked at, each
 * parsed once and kept).
 */
void pipeline_header_hint(struct pipeline_job *c, const cJSON *diags, struct eucc_error *err)
{
	struct compile_missing miss[MISSING_MAX];
	struct btf_kernel *ks = NULL, *pick;
	size_t n = missing_names(diags, miss), nk = 0;
	unsigned int want = 0;
	char what[300], spec[64];

	if (n)
		nk = newer_kernels(c->s, c->arch, c->header.release, &ks);
	if (nk)
		want = known(c, &ks[nk - 1], miss, n);
	if (!want) {
		free(ks);
		return;
	}
	pick = &ks[nk - 1];
	for (size_t i = 0; i + 1 < nk && i < CANDIDATES_MAX; i++) {
		if ((known(c, &ks[i], miss, n) & want) == want) {
			pick = &ks[i];
			break;
		}
	}
	describe(&miss[__builtin_ctz(want)], what, sizeof(what));
	major_minor(pick->release, spec, sizeof(spec));
	eucc_error_hint(err,
			"the header kernel %s lacks %s, which %s has; compile against a newer "
			"kernel's header: --headers %s, or add --kernel %s",
			c->header.release, what, pick->release, pick->release, spec);
	free(ks);
}
