/* SPDX-License-Identifier: Apache-2.0 */
/* Values through BTF for map dumps: per-CPU sums, struct members. (Scalars and strings as
 * text: core.h's btf_scalar_* and btf_value_*.) */
#include <string.h>

#include "loader_internal.h"

#define MAX_DEPTH 32

static bool summable(const struct btf *btf, __u32 id, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));

	if (!t || depth > MAX_DEPTH)
		return false;
	if (btf_is_int(t))
		return !(btf_int_encoding(t) & BTF_INT_BOOL) && t->size <= 8 &&
		       btf_int_offset(t) == 0 && btf_int_bits(t) == t->size * 8;
	if (btf_is_array(t))
		return !btf_value_is_string(btf, id) &&
		       summable(btf, btf_array(t)->type, depth + 1);
	if (!btf_is_struct(t))
		return false;
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];

		if (btf_member_bitfield_size(t, i) || m->offset % 8 ||
		    !summable(btf, m->type, depth + 1))
			return false;
	}
	return true;
}

bool val_summable(const struct btf *btf, __u32 id)
{
	return summable(btf, id, 0);
}

static void add_int(void *dst, const void *src, __u32 size)
{
	__u64 a = 0, b = 0;

	memcpy(&a, dst, size); /* little-endian: the low bytes */
	memcpy(&b, src, size);
	a += b;
	memcpy(dst, &a, size);
}

/* Only for types val_summable accepts. */
void val_sum(const struct btf *btf, __u32 id, void *dst, const void *src)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));

	if (btf_is_int(t)) {
		add_int(dst, src, t->size);
	} else if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		__s64 esz = btf__resolve_size(btf, a->type);

		for (__u32 i = 0; esz > 0 && i < a->nelems; i++)
			val_sum(btf, a->type, (char *)dst + i * esz, (const char *)src + i * esz);
	} else if (btf_is_struct(t)) {
		for (__u16 i = 0; i < btf_vlen(t); i++) {
			const struct btf_member *m = &btf_members(t)[i];

			val_sum(btf, m->type, (char *)dst + m->offset / 8,
				(const char *)src + m->offset / 8);
		}
	}
}

const struct btf_member *val_member(const struct btf *btf, __u32 id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));

	if (!t || !btf_is_composite(t))
		return NULL;
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *n = btf__name_by_offset(btf, m->name_off);

		if (n && !strcmp(n, name))
			return m;
	}
	return NULL;
}

enum part val_member_part(const struct btf *btf, const struct btf_type *t, __u16 i, size_t size,
			  __u32 *nelems)
{
	const struct btf_member *m = &btf_members(t)[i];
	__u32 bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
	const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));
	__s64 msize = btf__resolve_size(btf, m->type), esz;
	size_t off = bit_off / 8;

	if (bits || bit_off % 8)
		return (bit_off + bits + 7) / 8 <= size ? PART_ALL : PART_NONE;
	if (msize >= 0 && off + (size_t)msize <= size)
		return PART_ALL;
	if (off >= size || !mt || !btf_is_array(mt))
		return PART_NONE;
	esz = btf__resolve_size(btf, btf_array(mt)->type);
	if (esz <= 0 || (size - off) / (size_t)esz == 0)
		return PART_NONE;
	*nelems = (__u32)((size - off) / (size_t)esz);
	return PART_ARRAY;
}
