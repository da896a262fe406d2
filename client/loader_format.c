/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values as text, through BTF: a top-level struct as `a=1 b=abc`, nested structs as
 * `{x=1,y=2}`, arrays as `[1,2,3]`, char arrays as strings (bare when they hold no space,
 * quote or unprintable byte, else quoted with C escapes), pointers as hex, enums by name.
 * Nested values hold no spaces, so a line splits into fields at the spaces. Scalars and strings
 * are core.h's btf_scalar_text and btf_string_text, as in the server's manifest defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

#define MAX_DEPTH 32

static void text_value(FILE *out, const struct btf *btf, __u32 id, const void *p, int depth);

void fmt_text_string(FILE *out, const char *s, size_t max)
{
	char small[256], *buf = small;
	size_t need = btf_string_text(s, max, 0, NULL, 0) + 1;

	if (need > sizeof(small) && !(buf = malloc(need))) {
		fputs("?", out);
		return;
	}
	btf_string_text(s, max, 0, buf, need);
	fputs(buf, out);
	if (buf != small)
		free(buf);
}

void fmt_text_hex(FILE *out, const void *p, size_t size)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		fprintf(out, "%s%02x", i ? " " : "", b[i]);
}

static void text_scalar(FILE *out, const struct btf *btf, __u32 id, const void *p, __u32 bit_off,
			__u32 bit_size)
{
	struct btf_scalar sc;
	char buf[80];

	if (btf_scalar_read(btf, id, p, bit_off, bit_size, &sc)) {
		fputs("?", out);
		return;
	}
	btf_scalar_text(&sc, buf, sizeof(buf));
	fputs(buf, out);
}

static void text_array(FILE *out, const struct btf *btf, const struct btf_type *t, const void *p,
		       int depth)
{
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(btf, a->type);

	fputc('[', out);
	for (__u32 i = 0; esz > 0 && i < a->nelems; i++) {
		if (i)
			fputc(',', out);
		text_value(out, btf, a->type, (const char *)p + i * esz, depth + 1);
	}
	fputc(']', out);
}

/* The members of struct/union @t at @p, anonymous ones inlined, @sep between them. */
static void text_members(FILE *out, const struct btf *btf, const struct btf_type *t, const void *p,
			 const char *sep, bool *first, int depth)
{
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));

		if ((!name || !name[0]) && mt && btf_is_composite(mt)) {
			text_members(out, btf, mt, (const char *)p + bit_off / 8, sep, first,
				     depth + 1);
			continue;
		}
		fprintf(out, "%s%s=", *first ? "" : sep, STR_SAFE(name && name[0] ? name : "_"));
		*first = false;
		if (bits || bit_off % 8)
			text_scalar(out, btf, m->type, p, bit_off, bits);
		else
			text_value(out, btf, m->type, (const char *)p + bit_off / 8, depth + 1);
	}
}

static void text_value(FILE *out, const struct btf *btf, __u32 id, const void *p, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	bool first = true;

	if (!t || depth > MAX_DEPTH) {
		fputs("?", out);
	} else if (btf_value_is_string(btf, id)) {
		fmt_text_string(out, p, btf_array(t)->nelems);
	} else if (btf_is_array(t)) {
		text_array(out, btf, t, p, depth);
	} else if (btf_is_composite(t)) {
		fputc('{', out);
		text_members(out, btf, t, p, ",", &first, depth);
		fputc('}', out);
	} else {
		text_scalar(out, btf, id, p, 0, 0);
	}
}

void fmt_text_value(FILE *out, const struct btf *btf, __u32 id, const void *p)
{
	text_value(out, btf, id, p, 0);
}

void fmt_text_fields(FILE *out, const struct btf *btf, __u32 id, const void *p)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	bool first = true;

	if (t && btf_is_composite(t))
		text_members(out, btf, t, p, " ", &first, 0);
	else
		text_value(out, btf, id, p, 0);
}

void fmt_text_any(FILE *out, const struct btf *btf, __u32 id, const void *p, size_t size)
{
	const unsigned char *b = p;

	if (id) {
		fmt_text_value(out, btf, id, p);
		return;
	}
	fputs("hex:", out);
	for (size_t i = 0; i < size; i++)
		fprintf(out, "%02x", b[i]);
}

void fmt_text_hex_capped(FILE *out, const void *p, size_t size)
{
	fmt_text_hex(out, p, size < HEX_CAP ? size : HEX_CAP);
	if (size > HEX_CAP)
		fprintf(out, " ... %zu more", size - HEX_CAP);
}

static void names_of(FILE *out, const struct btf *btf, const struct btf_type *t, bool *first,
		     int depth)
{
	for (__u16 i = 0; t && depth < MAX_DEPTH && i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));

		if ((!name || !name[0]) && mt && btf_is_composite(mt)) {
			names_of(out, btf, mt, first, depth + 1);
			continue;
		}
		fprintf(out, "%s%s", *first ? "" : " ", STR_SAFE(name && name[0] ? name : "_"));
		*first = false;
	}
}

void fmt_text_names(FILE *out, const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	bool first = true;

	if (t && btf_is_composite(t))
		names_of(out, btf, t, &first, 0);
	else
		fputs("value", out);
}

/* The first @n elements of array type @t at @p (a string: at most @n bytes). */
static void text_array_part(FILE *out, const struct btf *btf, __u32 id, const void *p, __u32 n)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(btf, a->type);

	if (btf_value_is_string(btf, id)) {
		fmt_text_string(out, p, n);
		return;
	}
	fputc('[', out);
	for (__u32 i = 0; esz > 0 && i < n; i++) {
		if (i)
			fputc(',', out);
		text_value(out, btf, a->type, (const char *)p + i * esz, 1);
	}
	fputc(']', out);
}

void fmt_text_partial(FILE *out, const struct btf *btf, __u32 id, const void *p, size_t size)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	bool first = true;

	for (__u16 i = 0; t && btf_is_struct(t) && i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));
		__u32 n = 0;
		enum part part = val_member_part(btf, t, i, size, &n);

		if (part == PART_NONE)
			break;
		if ((!name || !name[0]) && mt && btf_is_composite(mt)) {
			text_members(out, btf, mt, (const char *)p + bit_off / 8, " ", &first, 1);
			continue;
		}
		fprintf(out, "%s%s=", first ? "" : " ", STR_SAFE(name && name[0] ? name : "_"));
		first = false;
		if (bits || bit_off % 8)
			text_scalar(out, btf, m->type, p, bit_off, bits);
		else if (part == PART_ALL)
			text_value(out, btf, m->type, (const char *)p + bit_off / 8, 1);
		else
			text_array_part(out, btf, m->type, (const char *)p + bit_off / 8, n);
	}
}
