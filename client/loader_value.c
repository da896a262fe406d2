/* SPDX-License-Identifier: Apache-2.0 */
/* Reading values through BTF: scalars (ints, bit fields, enums, pointers, floats), strings,
 * per-CPU sums. BPF data is little-endian, like the hosts eucc supports (x86_64, arm64). */
#include <errno.h>
#include <string.h>

#include "loader_internal.h"

#define MAX_DEPTH 32

__u32 val_resolve(const struct btf *btf, __u32 id)
{
	for (int i = 0; i < MAX_DEPTH; i++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			return id;
		id = t->type;
	}
	return id;
}

/* @nbits (1..64) bits at bit offset @bit_off from @p, little-endian. */
static __u64 read_bits(const void *p, __u32 bit_off, __u32 nbits)
{
	const unsigned char *b = (const unsigned char *)p + bit_off / 8;
	__u32 shift = bit_off % 8, nbytes = (shift + nbits + 7) / 8;
	__u64 lo = 0, v;

	for (__u32 i = 0; i < nbytes && i < 8; i++)
		lo |= (__u64)b[i] << (8 * i);
	v = lo >> shift;
	if (nbytes > 8)
		v |= (__u64)b[8] << (64 - shift);
	return nbits < 64 ? v & ((1ULL << nbits) - 1) : v;
}

static __s64 sign_extend(__u64 v, __u32 nbits)
{
	if (nbits < 64 && (v >> (nbits - 1)) & 1)
		v |= ~0ULL << nbits;
	return (__s64)v;
}

static int int_scalar(const struct btf_type *t, const void *p, __u32 bit_off, __u32 bit_size,
		      struct scalar *sc)
{
	__u32 enc = btf_int_encoding(t), nbits = bit_size ? bit_size : btf_int_bits(t);
	__u64 v;

	bit_off += btf_int_offset(t);
	if (nbits > 64 || nbits == 0) {
		sc->kind = SC_BYTES;
		sc->bytes = (const unsigned char *)p + bit_off / 8;
		sc->nbytes = t->size;
		return 0;
	}
	v = read_bits(p, bit_off, nbits);
	if (enc & BTF_INT_BOOL) {
		sc->kind = SC_BOOL;
		sc->u = v;
	} else if (enc & BTF_INT_SIGNED) {
		sc->kind = SC_SIGNED;
		sc->s = sign_extend(v, nbits);
	} else {
		sc->kind = SC_UNSIGNED;
		sc->u = v;
	}
	return 0;
}

static const char *enum_name(const struct btf *btf, const struct btf_type *t, __u64 v)
{
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = &btf_enum(t)[i];

			if ((__u32)e->val == (__u32)v)
				return btf__name_by_offset(btf, e->name_off);
		} else {
			const struct btf_enum64 *e = &btf_enum64(t)[i];

			if (btf_enum64_value(e) == v)
				return btf__name_by_offset(btf, e->name_off);
		}
	}
	return NULL;
}

static int enum_scalar(const struct btf *btf, const struct btf_type *t, const void *p,
		       __u32 bit_off, __u32 bit_size, struct scalar *sc)
{
	__u32 nbits = bit_size ? bit_size : t->size * 8;
	__u64 v;

	if (nbits == 0 || nbits > 64)
		return -EINVAL;
	v = read_bits(p, bit_off, nbits);
	sc->kind = SC_ENUM;
	sc->s = btf_kflag(t) ? sign_extend(v, nbits) : (__s64)v; /* kflag: signed */
	sc->name = enum_name(btf, t, v);
	return 0;
}

static int float_scalar(const struct btf_type *t, const void *p, struct scalar *sc)
{
	if (t->size == sizeof(float)) {
		float f;

		memcpy(&f, p, sizeof(f));
		sc->f = f;
	} else if (t->size == sizeof(double)) {
		memcpy(&sc->f, p, sizeof(sc->f));
	} else {
		sc->kind = SC_BYTES;
		sc->bytes = p;
		sc->nbytes = t->size;
		return 0;
	}
	sc->kind = SC_FLOAT;
	return 0;
}

int val_scalar(const struct btf *btf, __u32 id, const void *p, __u32 bit_off, __u32 bit_size,
	       struct scalar *sc)
{
	const struct btf_type *t = btf__type_by_id(btf, val_resolve(btf, id));

	memset(sc, 0, sizeof(*sc));
	if (!t)
		return -EINVAL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return int_scalar(t, p, bit_off, bit_size, sc);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return enum_scalar(btf, t, p, bit_off, bit_size, sc);
	case BTF_KIND_PTR:
		sc->kind = SC_PTR;
		sc->u = read_bits(p, bit_off, 64); /* BPF pointers are 64-bit */
		return 0;
	case BTF_KIND_FLOAT:
		return float_scalar(t, (const char *)p + bit_off / 8, sc);
	default:
		return -EINVAL;
	}
}

void val_scalar_text(const struct scalar *sc, char *buf, size_t size)
{
	size_t len;

	switch (sc->kind) {
	case SC_SIGNED:
		snprintf(buf, size, "%lld", (long long)sc->s);
		break;
	case SC_UNSIGNED:
		snprintf(buf, size, "%llu", (unsigned long long)sc->u);
		break;
	case SC_BOOL:
		snprintf(buf, size, "%s", sc->u ? "true" : "false");
		break;
	case SC_PTR:
		snprintf(buf, size, "0x%llx", (unsigned long long)sc->u);
		break;
	case SC_FLOAT:
		snprintf(buf, size, "%g", sc->f);
		break;
	case SC_ENUM:
		if (sc->name)
			snprintf(buf, size, "%s", sc->name);
		else
			snprintf(buf, size, "%lld", (long long)sc->s);
		break;
	case SC_BYTES: /* a little-endian number, most significant byte first */
		len = (size_t)snprintf(buf, size, "0x");
		for (size_t i = sc->nbytes; i > 0 && len + 2 < size; i--)
			len += (size_t)snprintf(buf + len, size - len, "%02x", sc->bytes[i - 1]);
		break;
	}
}

bool val_is_string(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, val_resolve(btf, id));
	const struct btf_type *e;
	const char *name;

	if (!t || !btf_is_array(t))
		return false;
	e = btf__type_by_id(btf, btf_array(t)->type);
	while (e && btf_is_mod(e)) /* const char, not a typedef like __u8 */
		e = btf__type_by_id(btf, e->type);
	if (!e || !btf_is_int(e) || e->size != 1)
		return false;
	name = btf__name_by_offset(btf, e->name_off);
	return (btf_int_encoding(e) & BTF_INT_CHAR) || (name && !strcmp(name, "char"));
}

static bool summable(const struct btf *btf, __u32 id, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, val_resolve(btf, id));

	if (!t || depth > MAX_DEPTH)
		return false;
	if (btf_is_int(t))
		return !(btf_int_encoding(t) & BTF_INT_BOOL) && t->size <= 8 &&
		       btf_int_offset(t) == 0 && btf_int_bits(t) == t->size * 8;
	if (btf_is_array(t))
		return !val_is_string(btf, id) && summable(btf, btf_array(t)->type, depth + 1);
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
	const struct btf_type *t = btf__type_by_id(btf, val_resolve(btf, id));

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
	const struct btf_type *t = btf__type_by_id(btf, val_resolve(btf, id));

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
