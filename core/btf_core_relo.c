/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CO-RE relocation resolution with libbpf's semantics (libbpf's resolver is not exported, and
 * we need to know *why* a relocation fails): parse the access string against the object's BTF,
 * find kernel candidates by essential name, walk the path through each candidate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

bool core_kind_is_field(uint32_t kind)
{
	return kind <= CORE_FIELD_RSHIFT_U64;
}

bool core_kind_is_type(uint32_t kind)
{
	return kind == CORE_TYPE_ID_LOCAL || kind == CORE_TYPE_ID_TARGET ||
	       kind == CORE_TYPE_EXISTS || kind == CORE_TYPE_SIZE || kind == CORE_TYPE_MATCHES;
}

bool core_kind_is_enumval(uint32_t kind)
{
	return kind == CORE_ENUMVAL_EXISTS || kind == CORE_ENUMVAL_VALUE;
}

bool core_kind_is_check(uint32_t kind)
{
	return kind == CORE_FIELD_EXISTS || kind == CORE_TYPE_EXISTS || kind == CORE_TYPE_MATCHES ||
	       kind == CORE_ENUMVAL_EXISTS;
}

size_t core_essential_len(const char *name)
{
	size_t n = strlen(name);

	if (!strstr(name, "___"))
		return n; /* most names: no flavor to look for */
	/* the last "___" followed by something other than '_' starts the flavor */
	for (size_t i = n >= 4 ? n - 4 : 0; i > 0; i--)
		if (!strncmp(name + i, "___", 3) && name[i - 1] != '_' && name[i + 3] &&
		    name[i + 3] != '_')
			return i;
	return n;
}

bool core_names_equal(const char *a, const char *b)
{
	size_t la = core_essential_len(a), lb = core_essential_len(b);

	return la == lb && !strncmp(a, b, la);
}

const char *core_type_name(const struct btf *btf, const struct btf_type *t)
{
	const char *s = btf__name_by_offset(btf, t->name_off);

	return s ? s : "";
}

static int push_acc(struct core_spec *s, uint32_t type_id, uint32_t idx, const char *name)
{
	if (s->len >= CORE_SPEC_MAX)
		return -E2BIG;
	s->acc[s->len++] = (struct core_acc){type_id, idx, name};
	return 0;
}

static int push_raw(struct core_spec *s, uint32_t idx)
{
	if (s->raw_len >= CORE_SPEC_MAX)
		return -E2BIG;
	s->raw[s->raw_len++] = idx;
	return 0;
}

/* A zero-length array that is the last member of its struct may be indexed freely. */
static bool is_flex_array(const struct btf *btf, const struct core_acc *parent,
			  const struct btf_array *a)
{
	const struct btf_type *t;

	if (!parent->name || a->nelems)
		return false;
	t = btf__type_by_id(btf, parent->type_id);
	return t && parent->idx == (uint32_t)btf_vlen(t) - 1;
}

static int parse_access(const char *s, struct core_spec *spec)
{
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		int err;

		if (end == s || v > UINT32_MAX)
			return -EINVAL;
		err = push_raw(spec, (uint32_t)v);
		if (err)
			return err;
		s = *end == ':' ? end + 1 : end;
		if (*end && *end != ':')
			return -EINVAL;
	}
	return spec->raw_len ? 0 : -EINVAL;
}

/* One step of a field access in the object's own BTF. */
static int parse_step(struct core_spec *spec, uint32_t *id, uint32_t idx)
{
	const struct btf *btf = spec->btf;
	const struct btf_type *t = btf_skip_mods(btf, *id, id);
	long long sz;

	if (t && btf_is_composite(t)) {
		const struct btf_member *m = btf_members(t) + idx;

		if (idx >= btf_vlen(t))
			return -EINVAL;
		spec->bit_off += btf_member_bit_offset(t, idx);
		if (m->name_off) {
			int err = push_acc(spec, *id, idx, btf__name_by_offset(btf, m->name_off));

			if (err)
				return err;
		}
		*id = m->type;
		return 0;
	}
	if (!t || !btf_is_array(t))
		return -EINVAL;
	if (!btf_skip_mods(btf, btf_array(t)->type, id))
		return -EINVAL;
	if (!is_flex_array(btf, &spec->acc[spec->len - 1], btf_array(t)) &&
	    idx >= btf_array(t)->nelems)
		return -EINVAL;
	if ((sz = btf__resolve_size(btf, *id)) < 0)
		return (int)sz;
	spec->bit_off += idx * sz * 8;
	return push_acc(spec, *id, idx, NULL);
}

int core_spec_parse(const struct btf *btf, uint32_t type_id, const char *access, uint32_t kind,
		    struct core_spec *spec)
{
	const struct btf_type *t;
	uint32_t id;
	long long sz;
	int err;

	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_id = type_id;
	spec->kind = kind;
	if (!access || !*access || *access == ':')
		return -EINVAL;
	if (core_kind_is_type(kind))
		return strcmp(access, "0") ? -EINVAL : 0;
	if ((err = parse_access(access, spec)))
		return err;
	if (!(t = btf_skip_mods(btf, type_id, &id)))
		return -EINVAL;
	if (core_kind_is_enumval(kind)) {
		uint32_t i = spec->raw[0];

		if (!btf_is_any_enum(t) || spec->raw_len > 1 || i >= btf_vlen(t))
			return -EINVAL;
		return push_acc(spec, id, i,
				btf__name_by_offset(btf, btf_is_enum(t)
							     ? btf_enum(t)[i].name_off
							     : btf_enum64(t)[i].name_off));
	}
	if ((sz = btf__resolve_size(btf, id)) < 0)
		return (int)sz;
	spec->bit_off = spec->raw[0] * sz * 8;
	if ((err = push_acc(spec, id, spec->raw[0], NULL)))
		return err;
	for (int i = 1; i < spec->raw_len; i++)
		if ((err = parse_step(spec, &id, spec->raw[i])))
			return err;
	return 0;
}

int core_cands_find(const struct btf *local, uint32_t local_id, const struct btf_index *ix,
		    uint32_t **ids, size_t *n)
{
	const struct btf_type *lt = btf__type_by_id(local, local_id);
	const struct btf *targ = btf_index_btf(ix);
	const char *lname = lt ? core_type_name(local, lt) : "";
	size_t len = core_essential_len(lname);

	*ids = NULL;
	*n = 0;
	if (!*lname)
		return -EINVAL; /* libbpf does not relocate anonymous types */
	for (uint32_t id = btf_index_first(ix, lname, len); id; id = btf_index_next(ix, id)) {
		const struct btf_type *t = btf__type_by_id(targ, id);
		const char *name;
		uint32_t *slot;

		if (!btf_kind_core_compat(t, lt))
			continue;
		name = core_type_name(targ, t);
		if (strncmp(name, lname, len) || core_essential_len(name) != len)
			continue;
		slot = OBJ_PUSH(*ids, *n);
		if (!slot) {
			free(*ids);
			*ids = NULL;
			return -ENOMEM;
		}
		*slot = id;
	}
	return 0;
}

/* ---- field paths ------------------------------------------------------------------------ */

/*
 * Find local member @lacc in kernel record @tid, looking inside anonymous struct/union members
 * as well. 1: found and compatible (its type in *next), 0: not found, <0: error. A namesake of
 * incompatible type sets *incompat to its type.
 */
static int match_member(const struct core_spec *local, const struct core_acc *lacc,
			struct core_spec *out, uint32_t tid, uint32_t *next, uint32_t *incompat)
{
	const struct btf *lb = local->btf, *tb = out->btf;
	const struct btf_type *lt = btf__type_by_id(lb, lacc->type_id);
	const struct btf_member *lm = btf_members(lt) + lacc->idx;
	const struct btf_type *t = btf_skip_mods(tb, tid, &tid);
	const struct btf_member *m;

	if (!t || !btf_is_composite(t))
		return 0;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(tb, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i);
		int r;

		if ((r = push_raw(out, i)))
			return r;
		out->bit_off += bits;
		if (!name || !*name) {
			r = match_member(local, lacc, out, m->type, next, incompat);
			if (r)
				return r;
		} else if (!strcmp(name, lacc->name)) {
			r = core_fields_compat(lb, lm->type, tb, m->type);
			if (r > 0) {
				*next = m->type;
				return push_acc(out, tid, i, name) ?: 1;
			}
			if (!r)
				*incompat = m->type;
			return r;
		}
		out->bit_off -= bits;
		out->raw_len--;
	}
	return 0;
}

static int miss(struct core_miss *m, enum core_miss_reason reason, int depth, uint32_t tid)
{
	m->reason = reason;
	m->depth = depth;
	m->targ_id = tid;
	return 0;
}

/* An array index step of a field path. */
static int match_index(const struct core_acc *lacc, struct core_spec *out, uint32_t *tid, int depth,
		       struct core_miss *ms)
{
	const struct btf_type *t = btf__type_by_id(out->btf, *tid);
	uint32_t arr = *tid;
	long long sz;

	if (depth > 0) {
		if (!t || !btf_is_array(t))
			return miss(ms, CORE_MISS_NOT_ARRAY, depth, *tid);
		if (!is_flex_array(out->btf, &out->acc[out->len - 1], btf_array(t)) &&
		    lacc->idx >= btf_array(t)->nelems)
			return miss(ms, CORE_MISS_INDEX, depth, arr);
		if (!btf_skip_mods(out->btf, btf_array(t)->type, tid))
			return -EINVAL;
	}
	if (push_acc(out, *tid, lacc->idx, NULL) || push_raw(out, lacc->idx))
		return -E2BIG;
	if ((sz = btf__resolve_size(out->btf, *tid)) < 0)
		return (int)sz;
	out->bit_off += lacc->idx * sz * 8;
	return 1;
}

static int match_field(const struct core_spec *local, struct core_spec *out, uint32_t tid,
		       struct core_miss *ms)
{
	for (int i = 0; i < local->len; i++) {
		const struct core_acc *lacc = &local->acc[i];
		const struct btf_type *t = btf_skip_mods(out->btf, tid, &tid);
		uint32_t incompat = 0, holder = tid;
		int r;

		if (!t)
			return -EINVAL;
		if (!lacc->name) {
			r = match_index(lacc, out, &tid, i, ms);
		} else if (!btf_is_composite(t)) {
			r = miss(ms, CORE_MISS_NOT_COMPOSITE, i, tid);
		} else {
			r = match_member(local, lacc, out, tid, &tid, &incompat);
			if (!r && incompat) {
				miss(ms, CORE_MISS_INCOMPAT, i, holder);
				ms->member_type = incompat;
			} else if (!r) {
				miss(ms, CORE_MISS_NO_MEMBER, i, holder);
			}
		}
		if (r <= 0)
			return r;
	}
	return 1;
}

static int match_enumval(const struct core_spec *local, struct core_spec *out, uint32_t tid,
			 struct core_miss *ms)
{
	const struct btf_type *t = btf_skip_mods(out->btf, tid, &tid);
	const char *want = local->acc[0].name;

	if (!t || !btf_is_any_enum(t))
		return miss(ms, CORE_MISS_TYPE, 0, tid);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(out->btf, core_enum_name_off(t, i));

		if (name && want && core_names_equal(name, want))
			return push_acc(out, tid, i, name) ?: push_raw(out, i) ?: 1;
	}
	return miss(ms, CORE_MISS_NO_ENUMVAL, 0, tid);
}

int core_spec_match(const struct core_spec *local, const struct btf *targ, uint32_t targ_id,
		    struct core_spec *out, struct core_miss *ms)
{
	int r;

	memset(out, 0, sizeof(*out));
	memset(ms, 0, sizeof(*ms));
	out->btf = targ;
	out->root_id = targ_id;
	out->kind = local->kind;
	if (core_kind_is_type(local->kind)) {
		if (local->kind == CORE_TYPE_MATCHES)
			r = core_types_match(local->btf, local->root_id, targ, targ_id, false, 32);
		else
			r = core_types_compat(local->btf, local->root_id, targ, targ_id, 32);
		if (!r)
			miss(ms, CORE_MISS_TYPE, 0, targ_id);
		return r;
	}
	if (core_kind_is_enumval(local->kind))
		return match_enumval(local, out, targ_id, ms);
	if (!core_kind_is_field(local->kind))
		return -EINVAL;
	return match_field(local, out, targ_id, ms);
}

/* ---- values ----------------------------------------------------------------------------- */

/* The size of one element of @id (arrays of arrays included), for load sizes. */
static int elem_size(const struct btf *btf, uint32_t id, uint32_t *size, uint32_t *elem)
{
	const struct btf_type *t = btf_skip_mods(btf, id, elem);
	long long sz;

	while (t && btf_is_array(t))
		t = btf_skip_mods(btf, btf_array(t)->type, elem);
	if (!t || (sz = btf__resolve_size(btf, *elem)) < 0)
		return -EINVAL;
	*size = (uint32_t)sz;
	return 0;
}

/* A field's byte offset and size; bitfields are widened to a loadable integer. */
static int field_bytes(const struct core_spec *s, const struct btf_type *mt, uint32_t mt_id,
		       uint32_t bit_sz, uint32_t *byte_off, uint32_t *byte_sz)
{
	long long sz;

	if (!bit_sz) {
		if ((sz = btf__resolve_size(s->btf, mt_id)) < 0)
			return -EINVAL;
		*byte_sz = (uint32_t)sz;
		*byte_off = s->bit_off / 8;
		return 0;
	}
	*byte_sz = mt->size;
	*byte_off = s->bit_off / 8 / *byte_sz * *byte_sz;
	while (s->bit_off + bit_sz - *byte_off * 8 > *byte_sz * 8) {
		if (*byte_sz >= 8)
			return -E2BIG; /* no 64-bit load covers this bitfield */
		*byte_sz *= 2;
		*byte_off = s->bit_off / 8 / *byte_sz * *byte_sz;
	}
	return 0;
}

static int field_value(const struct core_spec *s, struct core_value *v)
{
	const struct core_acc *acc = &s->acc[s->len - 1];
	const struct btf_type *t = btf__type_by_id(s->btf, acc->type_id), *mt;
	uint32_t mt_id, bit_sz, byte_off, byte_sz;
	long long sz;
	int err;

	if (!acc->name) { /* the last step is an array index */
		if (s->kind == CORE_FIELD_BYTE_OFFSET) {
			v->val = s->bit_off / 8;
			v->mem_type = acc->type_id;
			return elem_size(s->btf, acc->type_id, &v->mem_size, &mt_id);
		}
		if (s->kind != CORE_FIELD_BYTE_SIZE ||
		    (sz = btf__resolve_size(s->btf, acc->type_id)) < 0)
			return -EINVAL;
		v->val = (uint64_t)sz;
		return 0;
	}
	mt = btf_skip_mods(s->btf, btf_members(t)[acc->idx].type, &mt_id);
	bit_sz = btf_member_bitfield_size(t, acc->idx);
	if (!mt)
		return -EINVAL;
	if ((err = field_bytes(s, mt, mt_id, bit_sz, &byte_off, &byte_sz)))
		return err; /* -E2BIG: a bitfield no load covers */
	if (!bit_sz)
		bit_sz = byte_sz * 8;
	switch (s->kind) {
	case CORE_FIELD_BYTE_OFFSET:
		v->val = byte_off;
		v->mem_type = mt_id;
		if (!btf_member_bitfield_size(t, acc->idx))
			return elem_size(s->btf, mt_id, &v->mem_size, &mt_id);
		return 0;
	case CORE_FIELD_BYTE_SIZE:
		v->val = byte_sz;
		return 0;
	case CORE_FIELD_SIGNED:
		v->val = (btf_is_any_enum(mt) && btf_kflag(mt)) ||
			 (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
		return 0;
	case CORE_FIELD_LSHIFT_U64: /* little endian */
		v->val = 64 - (s->bit_off + bit_sz - byte_off * 8);
		return 0;
	case CORE_FIELD_RSHIFT_U64:
		v->val = 64 - bit_sz;
		return 0;
	default:
		return -EINVAL;
	}
}

static int enumval_value(const struct core_spec *s, struct core_value *v)
{
	const struct btf_type *t = btf__type_by_id(s->btf, s->acc[0].type_id);

	if (s->kind == CORE_ENUMVAL_EXISTS) {
		v->val = 1;
		return 0;
	}
	if (btf_is_enum(t))
		v->val = (uint64_t)(int64_t)btf_enum(t)[s->acc[0].idx].val;
	else
		v->val = btf_enum64_value(btf_enum64(t) + s->acc[0].idx);
	return 0;
}

int core_spec_value(const struct core_spec *s, struct core_value *v)
{
	long long sz;

	memset(v, 0, sizeof(*v));
	if (s->kind == CORE_FIELD_EXISTS || s->kind == CORE_TYPE_EXISTS ||
	    s->kind == CORE_TYPE_MATCHES) {
		v->val = 1;
		return 0;
	}
	if (core_kind_is_field(s->kind))
		return s->len ? field_value(s, v) : -EINVAL;
	if (core_kind_is_enumval(s->kind))
		return s->len ? enumval_value(s, v) : -EINVAL;
	if (s->kind == CORE_TYPE_SIZE) {
		if ((sz = btf__resolve_size(s->btf, s->root_id)) < 0)
			return -EINVAL;
		v->val = (uint64_t)sz;
		return 0;
	}
	v->val = s->root_id; /* TYPE_ID_LOCAL / TYPE_ID_TARGET */
	return 0;
}

bool core_mem_size_ok(const struct core_spec *local, const struct core_value *lv,
		      const struct core_spec *targ, const struct core_value *tv)
{
	const struct btf_type *l, *t;

	if (lv->mem_size == tv->mem_size)
		return true;
	l = btf__type_by_id(local->btf, lv->mem_type);
	t = btf__type_by_id(targ->btf, tv->mem_type);
	if (!l || !t)
		return false;
	if (btf_is_ptr(l) && btf_is_ptr(t))
		return true; /* 32-bit kernel pointers */
	return btf_is_int(l) && btf_is_int(t) && btf_int_encoding(l) != BTF_INT_SIGNED &&
	       btf_int_encoding(t) != BTF_INT_SIGNED; /* zero extension keeps the value */
}
