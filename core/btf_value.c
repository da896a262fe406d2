/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values through BTF, as text: scalars (ints, bit fields, bools, enums, pointers, floats) and
 * char arrays as strings. The loader prints events, maps and parameter defaults with these;
 * the server writes the parameter defaults of a package's manifest with them. BPF data is
 * little-endian, like the hosts eucc supports (x86_64, arm64).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "core.h"

#define MAX_DEPTH 32

uint32_t btf_value_resolve(const struct btf *btf, uint32_t id)
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
static uint64_t read_bits(const void *p, uint32_t bit_off, uint32_t nbits)
{
	const unsigned char *b = (const unsigned char *)p + bit_off / 8;
	uint32_t shift = bit_off % 8, nbytes = (shift + nbits + 7) / 8;
	uint64_t lo = 0, v;

	for (uint32_t i = 0; i < nbytes && i < 8; i++)
		lo |= (uint64_t)b[i] << (8 * i);
	v = lo >> shift;
	if (nbytes > 8)
		v |= (uint64_t)b[8] << (64 - shift);
	return nbits < 64 ? v & ((1ULL << nbits) - 1) : v;
}

static int64_t sign_extend(uint64_t v, uint32_t nbits)
{
	if (nbits < 64 && (v >> (nbits - 1)) & 1)
		v |= ~0ULL << nbits;
	return (int64_t)v;
}

static int int_scalar(const struct btf_type *t, const void *p, uint32_t bit_off, uint32_t bit_size,
		      struct btf_scalar *sc)
{
	uint32_t enc = btf_int_encoding(t), nbits = bit_size ? bit_size : btf_int_bits(t);
	uint64_t v;

	bit_off += btf_int_offset(t);
	if (nbits > 64 || nbits == 0) {
		sc->kind = BTF_SCALAR_BYTES;
		sc->bytes = (const unsigned char *)p + bit_off / 8;
		sc->nbytes = t->size;
		return 0;
	}
	v = read_bits(p, bit_off, nbits);
	if (enc & BTF_INT_BOOL) {
		sc->kind = BTF_SCALAR_BOOL;
		sc->u = v;
	} else if (enc & BTF_INT_SIGNED) {
		sc->kind = BTF_SCALAR_SIGNED;
		sc->s = sign_extend(v, nbits);
	} else {
		sc->kind = BTF_SCALAR_UNSIGNED;
		sc->u = v;
	}
	return 0;
}

static const char *enum_name(const struct btf *btf, const struct btf_type *t, uint64_t v)
{
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = &btf_enum(t)[i];

			if ((uint32_t)e->val == (uint32_t)v)
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
		       uint32_t bit_off, uint32_t bit_size, struct btf_scalar *sc)
{
	uint32_t nbits = bit_size ? bit_size : t->size * 8;
	uint64_t v;

	if (nbits == 0 || nbits > 64)
		return -EINVAL;
	v = read_bits(p, bit_off, nbits);
	sc->kind = BTF_SCALAR_ENUM;
	sc->s = btf_kflag(t) ? sign_extend(v, nbits) : (int64_t)v; /* kflag: signed */
	sc->name = enum_name(btf, t, v);
	return 0;
}

static int float_scalar(const struct btf_type *t, const void *p, struct btf_scalar *sc)
{
	if (t->size == sizeof(float)) {
		float f;

		memcpy(&f, p, sizeof(f));
		sc->f = f;
	} else if (t->size == sizeof(double)) {
		memcpy(&sc->f, p, sizeof(sc->f));
	} else {
		sc->kind = BTF_SCALAR_BYTES;
		sc->bytes = p;
		sc->nbytes = t->size;
		return 0;
	}
	sc->kind = BTF_SCALAR_FLOAT;
	return 0;
}

int btf_scalar_read(const struct btf *btf, uint32_t id, const void *p, uint32_t bit_off,
		    uint32_t bit_size, struct btf_scalar *sc)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));

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
		sc->kind = BTF_SCALAR_PTR;
		sc->u = read_bits(p, bit_off, 64); /* BPF pointers are 64-bit */
		return 0;
	case BTF_KIND_FLOAT:
		return float_scalar(t, (const char *)p + bit_off / 8, sc);
	default:
		return -EINVAL;
	}
}

void btf_scalar_text(const struct btf_scalar *sc, char *buf, size_t size)
{
	size_t len;

	switch (sc->kind) {
	case BTF_SCALAR_SIGNED:
		snprintf(buf, size, "%lld", (long long)sc->s);
		break;
	case BTF_SCALAR_UNSIGNED:
		snprintf(buf, size, "%llu", (unsigned long long)sc->u);
		break;
	case BTF_SCALAR_BOOL:
		snprintf(buf, size, "%s", sc->u ? "true" : "false");
		break;
	case BTF_SCALAR_PTR:
		snprintf(buf, size, "0x%llx", (unsigned long long)sc->u);
		break;
	case BTF_SCALAR_FLOAT:
		snprintf(buf, size, "%g", sc->f);
		break;
	case BTF_SCALAR_ENUM:
		if (sc->name)
			snprintf(buf, size, "%s", sc->name);
		else
			snprintf(buf, size, "%lld", (long long)sc->s);
		break;
	case BTF_SCALAR_BYTES: /* a little-endian number, most significant byte first */
		len = (size_t)snprintf(buf, size, "0x");
		for (size_t i = sc->nbytes; i > 0 && len + 2 < size; i--)
			len += (size_t)snprintf(buf + len, size - len, "%02x", sc->bytes[i - 1]);
		break;
	}
}

bool btf_value_is_string(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
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

/* Text written into a buffer the way snprintf does: cut to fit, the whole length counted. */
struct text {
	char *buf;
	size_t size;
	size_t len;
};

static void text_putc(struct text *t, char c)
{
	if (t->len + 1 < t->size) {
		t->buf[t->len] = c;
		t->buf[t->len + 1] = '\0';
	}
	t->len++;
}

static void text_put(struct text *t, const char *s)
{
	for (; *s; s++)
		text_putc(t, *s);
}

/* Printed bare: not empty, no space, quote, backslash or unprintable byte. */
static bool plain_string(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isgraph(c) || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static void escaped_char(struct text *t, unsigned char c)
{
	char esc[8];

	if (c == '"' || c == '\\')
		snprintf(esc, sizeof(esc), "\\%c", c);
	else if (c == '\n')
		snprintf(esc, sizeof(esc), "\\n");
	else if (c == '\t')
		snprintf(esc, sizeof(esc), "\\t");
	else if (isprint(c))
		esc[0] = (char)c, esc[1] = '\0';
	else
		snprintf(esc, sizeof(esc), "\\x%02x", c);
	text_put(t, esc);
}

size_t btf_string_text(const char *s, size_t max, unsigned int flags, char *buf, size_t size)
{
	struct text t = {.buf = buf, .size = size};
	size_t n = strnlen(s, max);

	if (size)
		buf[0] = '\0';
	if (!(flags & BTF_TEXT_QUOTE) && plain_string(s, n)) {
		for (size_t i = 0; i < n; i++)
			text_putc(&t, s[i]);
		return t.len;
	}
	text_put(&t, "\"");
	for (size_t i = 0; i < n; i++)
		escaped_char(&t, (unsigned char)s[i]);
	text_put(&t, "\"");
	return t.len;
}

int btf_value_text(const struct btf *btf, uint32_t id, const void *data, size_t size,
		   unsigned int flags, char *buf, size_t bufsize)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	long long need = btf__resolve_size(btf, id);
	struct btf_scalar sc;

	if (bufsize)
		snprintf(buf, bufsize, "?");
	if (!t || need <= 0 || (unsigned long long)need > size)
		return -EINVAL;
	if (btf_value_is_string(btf, id)) {
		btf_string_text(data, btf_array(t)->nelems, flags, buf, bufsize);
		return 0;
	}
	if (btf_scalar_read(btf, id, data, 0, 0, &sc))
		return -EINVAL;
	if (bufsize)
		btf_scalar_text(&sc, buf, bufsize);
	return 0;
}
