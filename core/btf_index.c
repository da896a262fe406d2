/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A kernel BTF's types by name, built in one pass: a hash of each named type's essential name
 * (the name up to a "___flavor" suffix) with the ids of that name in ascending order, so that
 * an exact lookup and the CO-RE candidates of a local type are one bucket walk instead of a
 * pass over the whole BTF. Also the facts the attach checks ask of every kernel: whether its
 * BTF has FUNC records, bpf_lsm_* hooks and btf_trace_* typedefs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

struct btf_index {
	const struct btf *btf;
	uint32_t nbuckets; /* a power of 2 */
	uint32_t *head;	   /* per bucket: the first type id, 0 if none */
	uint32_t *next;	   /* per type id: the next id in its bucket, 0 at the end */
	bool has_funcs, has_lsm_hooks, has_trace_typedefs;
};

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void note_facts(struct btf_index *ix, const struct btf_type *t, const char *name)
{
	if (btf_is_func(t)) {
		ix->has_funcs = true;
		if (!strncmp(name, "bpf_lsm_", 8))
			ix->has_lsm_hooks = true;
	} else if (btf_is_typedef(t) && !strncmp(name, "btf_trace_", 10)) {
		ix->has_trace_typedefs = true;
	}
}

int btf_index_new(const struct btf *btf, struct btf_index **out)
{
	struct btf_index *ix = calloc(1, sizeof(*ix));
	uint32_t n = btf__type_cnt(btf);

	*out = NULL;
	if (!ix)
		return -ENOMEM;
	ix->btf = btf;
	ix->nbuckets = 1024;
	while (ix->nbuckets < n)
		ix->nbuckets <<= 1;
	ix->head = calloc(ix->nbuckets, sizeof(*ix->head));
	ix->next = calloc(n, sizeof(*ix->next));
	if (!ix->head || !ix->next) {
		btf_index_free(ix);
		return -ENOMEM;
	}
	/* from the last id down, each pushed in front: every bucket in ascending id order */
	for (uint32_t id = n - 1; id > 0; id--) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;
		uint32_t b;

		if (!t->name_off)
			continue;
		name = core_type_name(btf, t);
		note_facts(ix, t, name);
		b = name_hash(name, core_essential_len(name)) & (ix->nbuckets - 1);
		ix->next[id] = ix->head[b];
		ix->head[b] = id;
	}
	*out = ix;
	return 0;
}

void btf_index_free(struct btf_index *ix)
{
	if (!ix)
		return;
	free(ix->head);
	free(ix->next);
	free(ix);
}

const struct btf *btf_index_btf(const struct btf_index *ix)
{
	return ix->btf;
}

uint32_t btf_index_first(const struct btf_index *ix, const char *name, size_t len)
{
	return ix->head[name_hash(name, len) & (ix->nbuckets - 1)];
}

uint32_t btf_index_next(const struct btf_index *ix, uint32_t id)
{
	return ix->next[id];
}

int btf_index_find(const struct btf_index *ix, const char *name, int kind)
{
	for (uint32_t id = btf_index_first(ix, name, core_essential_len(name)); id;
	     id = ix->next[id]) {
		const struct btf_type *t = btf__type_by_id(ix->btf, id);

		if (btf_kind(t) == kind && !strcmp(core_type_name(ix->btf, t), name))
			return (int)id;
	}
	return -ENOENT;
}

bool btf_index_has_funcs(const struct btf_index *ix)
{
	return ix->has_funcs;
}

bool btf_index_has_lsm_hooks(const struct btf_index *ix)
{
	return ix->has_lsm_hooks;
}

bool btf_index_has_trace_typedefs(const struct btf_index *ix)
{
	return ix->has_trace_typedefs;
}
