/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimized BTF: only the kernel types (and, of structs and unions, only the members) that the
 * object's relocations resolved against, with the kernel's names, sizes and offsets, so that
 * libbpf relocates the object the same way when given it as btf_custom_path. The same selection
 * as `bpftool gen min_core_btf`:
 *  - field relocations keep the root type, each member on the path and its type (following
 *    typedefs, modifiers and arrays, not pointers: a pointer to an unkept type points to void);
 *  - type relocations keep the type and what it refers to, through pointers, but no members;
 *  - type_matches keeps whole records, up to pointers; enum relocations keep the whole enum.
 * Types are written in the kernel's order, ids renumbered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

/*
 * The per-id arrays are allocated zeroed and only touched at the ids kept: a kernel has 100k+
 * types and an object keeps tens, so nothing walks them whole (the list of kept ids is walked).
 */
struct btf_min {
	const struct btf *kernel;
	uint32_t n;
	unsigned char *keep;	 /* per type id */
	unsigned char **members; /* per record type id: kept members, allocated on use */
	struct btf_min_ids {
		uint32_t *v;
		size_t n;
	} ids, records; /* the ids kept, and those with members[] allocated, in order of use */
};

int btf_min_new(const struct btf *kernel, struct btf_min **out)
{
	struct btf_min *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->kernel = kernel;
	m->n = btf__type_cnt(kernel);
	m->keep = calloc(m->n, 1);
	m->members = calloc(m->n, sizeof(*m->members));
	if (!m->keep || !m->members) {
		btf_min_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void btf_min_free(struct btf_min *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->records.n; i++)
		free(m->members[m->records.v[i]]);
	free(m->members);
	free(m->keep);
	free(m->ids.v);
	free(m->records.v);
	free(m);
}

static int ids_push(struct btf_min_ids *l, uint32_t id)
{
	uint32_t *slot = obj_push(&l->v, &l->n, sizeof(*l->v));

	if (!slot)
		return -ENOMEM;
	*slot = id;
	return 0;
}

static int keep_id(struct btf_min *m, uint32_t id)
{
	if (m->keep[id])
		return 0;
	m->keep[id] = 1;
	return ids_push(&m->ids, id);
}

static int keep_member(struct btf_min *m, uint32_t id, uint32_t idx)
{
	const struct btf_type *t = btf__type_by_id(m->kernel, id);

	if (!t || !btf_is_composite(t) || idx >= btf_vlen(t))
		return -EINVAL;
	if (!m->members[id]) {
		if (ids_push(&m->records, id) || !(m->members[id] = calloc(btf_vlen(t), 1)))
			return -ENOMEM;
	}
	m->members[id][idx] = 1;
	return 0;
}

/* Keep @id and what it is made of; records stop here, pointers only if @ptrs. */
static int keep_type(struct btf_min *m, uint32_t id, bool ptrs, int depth)
{
	const struct btf_type *t = btf__type_by_id(m->kernel, id);
	int err = 0;

	if (!id)
		return 0;
	if (!t || depth > 64)
		return -EINVAL;
	if (keep_id(m, id))
		return -ENOMEM;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		return ptrs ? keep_type(m, t->type, ptrs, depth + 1) : 0;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_TYPEDEF:
		return keep_type(m, t->type, ptrs, depth + 1);
	case BTF_KIND_ARRAY:
		err = keep_type(m, btf_array(t)->type, ptrs, depth + 1);
		return err ?: keep_type(m, btf_array(t)->index_type, ptrs, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		err = keep_type(m, t->type, ptrs, depth + 1);
		for (int i = 0; !err && i < btf_vlen(t); i++)
			err = keep_type(m, btf_params(t)[i].type, ptrs, depth + 1);
		return err;
	default:
		return 0;
	}
}

/* TYPE_MATCHES: records with all their members, but not behind pointers. */
static int keep_match(struct btf_min *m, uint32_t id, bool behind_ptr, int depth)
{
	const struct btf_type *t = btf__type_by_id(m->kernel, id);
	int err = 0;

	if (!id)
		return 0;
	if (!t || depth > 64)
		return -EINVAL;
	if (keep_id(m, id))
		return -ENOMEM;
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (int i = 0; !err && !behind_ptr && i < btf_vlen(t); i++) {
			err = keep_member(m, id, i);
			err = err ?: keep_match(m, btf_members(t)[i].type, false, depth + 1);
		}
		return err;
	case BTF_KIND_PTR:
		return keep_match(m, t->type, true, depth + 1);
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_TYPEDEF:
		return keep_match(m, t->type, behind_ptr, depth + 1);
	case BTF_KIND_ARRAY:
		err = keep_match(m, btf_array(t)->type, false, depth + 1);
		return err ?: keep_match(m, btf_array(t)->index_type, false, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		err = keep_match(m, t->type, false, depth + 1);
		for (int i = 0; !err && i < btf_vlen(t); i++)
			err = keep_match(m, btf_params(t)[i].type, false, depth + 1);
		return err;
	default:
		return 0;
	}
}

/* A field path: the root, then each member taken and its type. */
static int keep_field(struct btf_min *m, const struct core_spec *s)
{
	uint32_t id = s->root_id;
	int err = keep_type(m, id, false, 0);

	for (int i = 1; !err && i < s->raw_len; i++) {
		const struct btf_type *t = btf_skip_mods(m->kernel, id, &id);

		if (t && btf_is_composite(t)) {
			err = keep_member(m, id, s->raw[i]);
			id = btf_members(t)[s->raw[i]].type;
			err = err ?: keep_type(m, id, false, 0);
		} else if (t && btf_is_array(t)) {
			id = btf_array(t)->type;
		} else {
			err = -EINVAL;
		}
	}
	return err;
}

int btf_min_record(struct btf_min *m, const struct core_spec *targ)
{
	switch (targ->kind) {
	case CORE_TYPE_ID_LOCAL:
		return 0;
	case CORE_TYPE_ID_TARGET:
	case CORE_TYPE_EXISTS:
	case CORE_TYPE_SIZE:
		return keep_type(m, targ->root_id, true, 0);
	case CORE_TYPE_MATCHES:
		return keep_match(m, targ->root_id, false, 0);
	case CORE_ENUMVAL_EXISTS:
	case CORE_ENUMVAL_VALUE:
		return keep_type(m, targ->root_id, false, 0);
	default:
		return keep_field(m, targ);
	}
}

static size_t type_extra(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return sizeof(uint32_t);
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return btf_vlen(t) * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return btf_vlen(t) * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return btf_vlen(t) * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return btf_vlen(t) * sizeof(struct btf_param);
	default:
		return 0;
	}
}

/* A copy of kernel type @id with type ids renumbered and unkept members dropped. */
static struct btf_type *copy_type(const struct btf_min *m, uint32_t id, const uint32_t *map)
{
	const struct btf_type *t = btf__type_by_id(m->kernel, id);
	size_t size = sizeof(*t) + type_extra(t);
	struct btf_type *c = malloc(size);
	int n = 0;

	if (!c)
		return NULL;
	memcpy(c, t, size);
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(t); i++) {
			if (!m->members[id] || !m->members[id][i])
				continue;
			btf_members(c)[n] = btf_members(t)[i];
			btf_members(c)[n++].type = map[btf_members(t)[i].type];
		}
		c->info = (t->info & ~0xffffu) | (uint32_t)n; /* same kind and kflag, new vlen */
		break;
	case BTF_KIND_ARRAY:
		btf_array(c)->type = map[btf_array(t)->type];
		btf_array(c)->index_type = map[btf_array(t)->index_type];
		break;
	case BTF_KIND_FUNC_PROTO:
		for (int i = 0; i < btf_vlen(t); i++)
			btf_params(c)[i].type = map[btf_params(t)[i].type];
		c->type = map[t->type];
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_TYPEDEF:
		c->type = map[t->type];
		break;
	default:
		break;
	}
	return c;
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The kept types in the kernel's order; @map (zeroed) gets their new ids, 0 for the rest. */
static int build(struct btf_min *m, struct btf *out, uint32_t *map)
{
	if (m->ids.n)
		qsort(m->ids.v, m->ids.n, sizeof(*m->ids.v), id_cmp);
	/* new ids first: types may refer to later ones */
	for (size_t i = 0; i < m->ids.n; i++)
		map[m->ids.v[i]] = (uint32_t)i + 1;
	for (size_t i = 0; i < m->ids.n; i++) {
		uint32_t id = m->ids.v[i];
		struct btf_type *c;
		int ret;

		if (!(c = copy_type(m, id, map)))
			return -ENOMEM;
		ret = btf__add_type(out, m->kernel, c);
		free(c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int btf_min_build(struct btf_min *m, void **data, size_t *size)
{
	struct btf *out = btf__new_empty();
	uint32_t *map = calloc(m->n, sizeof(*map));
	const void *raw;
	uint32_t len;
	int err;

	*data = NULL;
	*size = 0;
	err = !out || !map ? -ENOMEM : build(m, out, map);
	if (!err && !(raw = btf__raw_data(out, &len)))
		err = -ENOMEM;
	if (!err && !(*data = malloc(len)))
		err = -ENOMEM;
	if (!err) {
		memcpy(*data, raw, len);
		*size = len;
	}
	btf__free(out);
	free(map);
	return err;
}
