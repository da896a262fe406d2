/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Type compatibility for CO-RE, by libbpf's rules: the loose relation of field and type
 * relocations, and the structural one of TYPE_MATCHES (bpf_core_type_matches).
 */
#include <errno.h>
#include <string.h>

#include "core_internal.h"

/* Enums, forward declarations: same essential name, or one of them anonymous. */
static bool names_compat(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			 const struct btf_type *t)
{
	const char *ln = core_type_name(lb, l), *tn = core_type_name(tb, t);

	return !*ln || !*tn || core_names_equal(ln, tn);
}

/* Is the kernel's field type @tid usable where the program has @lid (libbpf's rules)? */
int core_fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *l = btf_skip_mods(lb, lid, &lid);
		const struct btf_type *t = btf_skip_mods(tb, tid, &tid);

		if (!l || !t)
			return -EINVAL;
		if (btf_is_composite(l) && btf_is_composite(t))
			return 1;
		if (!btf_kind_core_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			return names_compat(lb, l, tb, t);
		case BTF_KIND_INT: /* any size and sign, but no bitfield-style ints */
			return !btf_int_offset(l) && !btf_int_offset(t);
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		default:
			return 0;
		}
	}
	return -ELOOP;
}

/* Same number of parameters, each compatible. */
static int params_compat(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			 const struct btf_type *t, int level)
{
	if (btf_vlen(l) != btf_vlen(t))
		return 0;
	for (int i = 0; i < btf_vlen(l); i++) {
		uint32_t lpid, tpid;
		int r = -EINVAL;

		btf_skip_mods(lb, btf_params(l)[i].type, &lpid);
		btf_skip_mods(tb, btf_params(t)[i].type, &tpid);
		if (level > 0)
			r = core_types_compat(lb, lpid, tb, tpid, level - 1);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* Type-based relocations (except TYPE_MATCHES): libbpf's looser compatibility. */
int core_types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		      int level)
{
	const struct btf_type *l = btf__type_by_id(lb, lid), *t = btf__type_by_id(tb, tid);

	if (!l || !t || !btf_kind_core_compat(l, t))
		return 0;
	for (int depth = 0; depth < 32; depth++) {
		l = btf_skip_mods(lb, lid, &lid);
		t = btf_skip_mods(tb, tid, &tid);
		if (!l || !t)
			return -EINVAL;
		if (!btf_kind_core_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
			return 1;
		case BTF_KIND_INT:
			return !btf_int_offset(l) && !btf_int_offset(t);
		case BTF_KIND_PTR:
			lid = l->type;
			tid = t->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			int r = params_compat(lb, l, tb, t, level);

			if (r <= 0)
				return r;
			lid = l->type;
			tid = t->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return -ELOOP;
}

/* ---- TYPE_MATCHES: a stricter, structural relation ---------------------------------------- */

static bool names_match(const struct btf *lb, uint32_t loff, const struct btf *tb, uint32_t toff)
{
	const char *ln = btf__name_by_offset(lb, loff), *tn = btf__name_by_offset(tb, toff);

	if (!tn || !*tn)
		return !ln || !*ln;
	return ln && core_names_equal(ln, tn);
}

uint32_t core_enum_name_off(const struct btf_type *t, int i)
{
	return btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
}

/* Same size, and every local enumerator has a namesake in the kernel's. */
static int enums_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
		       const struct btf_type *t)
{
	if (l->size != t->size || btf_vlen(l) > btf_vlen(t))
		return 0;
	for (int i = 0; i < btf_vlen(l); i++) {
		bool found = false;

		for (int j = 0; j < btf_vlen(t) && !found; j++)
			found =
			    names_match(lb, core_enum_name_off(l, i), tb, core_enum_name_off(t, j));
		if (!found)
			return 0;
	}
	return 1;
}

/* Every local member has a namesake in the kernel's record, of a matching type. */
static int composites_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			    const struct btf_type *t, bool behind_ptr, int level)
{
	const struct btf_member *lm = btf_members(l);

	if (btf_vlen(l) > btf_vlen(t))
		return 0;
	for (int i = 0; i < btf_vlen(l); i++, lm++) {
		const struct btf_member *tm = btf_members(t);
		int found = 0;

		for (int j = 0; j < btf_vlen(t) && found == 0; j++, tm++) {
			if (names_match(lb, lm->name_off, tb, tm->name_off))
				found = core_types_match(lb, lm->type, tb, tm->type, behind_ptr,
							 level - 1);
		}
		if (found <= 0)
			return found;
	}
	return 1;
}

static int fwd_match(const struct btf_type *l, const struct btf_type *t, bool behind_ptr)
{
	bool union_fwd = btf_kflag(l);

	if (btf_kind(t) == BTF_KIND_FWD)
		return union_fwd == btf_kflag(t);
	if (!behind_ptr)
		return 0;
	return btf_is_union(t) ? union_fwd : btf_is_struct(t) && !union_fwd;
}

static int record_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			const struct btf_type *t, bool behind_ptr, int level)
{
	if (behind_ptr) {
		if (btf_kind(l) == btf_kind(t))
			return 1;
		return btf_kind(t) == BTF_KIND_FWD && btf_is_union(l) == btf_kflag(t);
	}
	if (btf_kind(l) != btf_kind(t))
		return 0;
	return composites_match(lb, l, tb, t, behind_ptr, level);
}

static int protos_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			const struct btf_type *t, bool behind_ptr, int level)
{
	if (btf_vlen(l) != btf_vlen(t))
		return 0;
	for (int i = 0; i < btf_vlen(l); i++) {
		int r = core_types_match(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type,
					 behind_ptr, level - 1);

		if (r <= 0)
			return r;
	}
	return 1;
}

int core_types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		     bool behind_ptr, int level)
{
	if (level <= 0)
		return -EINVAL;
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *l = btf_skip_mods(lb, lid, &lid);
		const struct btf_type *t = btf_skip_mods(tb, tid, &tid);
		int r;

		if (!l || !t)
			return -EINVAL;
		if (!names_match(lb, l->name_off, tb, t->name_off))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_UNKN:
			return btf_kind(t) == BTF_KIND_UNKN;
		case BTF_KIND_FWD:
			return fwd_match(l, t, behind_ptr);
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			return btf_is_any_enum(t) && enums_match(lb, l, tb, t);
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			return record_match(lb, l, tb, t, behind_ptr, level);
		case BTF_KIND_INT:
			return btf_is_int(t) && l->size == t->size &&
			       (btf_int_encoding(l) & BTF_INT_SIGNED) ==
				   (btf_int_encoding(t) & BTF_INT_SIGNED);
		case BTF_KIND_PTR:
			if (!btf_is_ptr(t))
				return 0;
			behind_ptr = true;
			lid = l->type;
			tid = t->type;
			continue;
		case BTF_KIND_ARRAY:
			if (!btf_is_array(t) || btf_array(l)->nelems != btf_array(t)->nelems)
				return 0;
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		case BTF_KIND_FUNC_PROTO:
			if (!btf_is_func_proto(t))
				return 0;
			r = protos_match(lb, l, tb, t, behind_ptr, level);
			if (r <= 0)
				return r;
			lid = l->type;
			tid = t->type;
			continue;
		default:
			return 0;
		}
	}
	return -ELOOP;
}
