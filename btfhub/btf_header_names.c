/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The identifiers of a preprocessed C source (clang -E output), as the per-program header
 * needs them: tags after struct / union / enum with how they are used, names after -> and .,
 * and all other identifiers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btfhub.h"
#include "btf_header_internal.h"

static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static size_t slot_of(const struct name_set *s, const char *name, size_t len)
{
	size_t i = name_hash(name, len) & (s->cap - 1);

	while (s->keys[i] && (strncmp(s->keys[i], name, len) || s->keys[i][len]))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int name_set_grow(struct name_set *s)
{
	struct name_set n = {.cap = s->cap ? s->cap * 2 : 256};

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.flags = calloc(n.cap, sizeof(*n.flags));
	if (!n.keys || !n.flags) {
		free(n.keys);
		free(n.flags);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->keys[i])
			continue;
		j = slot_of(&n, s->keys[i], strlen(s->keys[i]));
		n.keys[j] = s->keys[i];
		n.flags[j] = s->flags[i];
	}
	n.count = s->count;
	n.first2 = s->first2;
	free(s->keys);
	free(s->flags);
	*s = n;
	return 0;
}

/* The bit of @name's first two bytes (the second is 0 for a one-letter name). */
static unsigned int first2_bit(const char *name, size_t len)
{
	return (unsigned int)(unsigned char)name[0] << 8 |
	       (len > 1 ? (unsigned int)(unsigned char)name[1] : 0U);
}

int name_set_add(struct name_set *s, const char *name, size_t len, unsigned int flags)
{
	unsigned int bit = len ? first2_bit(name, len) : 0;
	size_t i;

	if (!s->first2 && !(s->first2 = calloc(65536 / 64, sizeof(*s->first2))))
		return -ENOMEM;
	s->first2[bit / 64] |= 1ULL << (bit % 64);
	if ((s->count + 1) * 2 > s->cap && name_set_grow(s))
		return -ENOMEM;
	i = slot_of(s, name, len);
	if (!s->keys[i]) {
		s->keys[i] = strndup(name, len);
		if (!s->keys[i])
			return -ENOMEM;
		s->count++;
	}
	s->flags[i] |= flags;
	return 0;
}

long name_set_get(const struct name_set *s, const char *name)
{
	unsigned int bit;
	size_t i;

	if (!s->cap || !name || !*name)
		return -1;
	bit = first2_bit(name, name[1] ? 2 : 1);
	if (!(s->first2[bit / 64] & (1ULL << (bit % 64))))
		return -1;
	i = slot_of(s, name, strlen(name));
	return s->keys[i] ? (long)s->flags[i] : -1;
}

void name_set_bump(struct name_set *s, const char *name)
{
	size_t i;

	if (!s->cap || !name || !*name)
		return;
	i = slot_of(s, name, strlen(name));
	if (s->keys[i])
		s->flags[i]++;
}

void name_set_free(struct name_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->flags);
	free(s->first2);
	memset(s, 0, sizeof(*s));
}

/* ---- the scanner ------------------------------------------------------------------------ */

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Past a string or character literal that starts at @p. */
static const char *skip_literal(const char *p, const char *end)
{
	char q = *p++;

	while (p < end && *p != q && *p != '\n') {
		if (*p == '\\' && p + 1 < end)
			p++;
		p++;
	}
	return p < end ? p + 1 : end;
}

/* Past spaces, comments and (at a line's start) preprocessor lines such as line markers. */
static const char *skip_space(const char *p, const char *end, bool *line_start)
{
	while (p < end) {
		if (*p == '\n') {
			*line_start = true;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '#' && *line_start) {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			const char *e = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);

			p = e ? e + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

static int tag_kind(const char *p, size_t len)
{
	if (len == 6 && !memcmp(p, "struct", 6))
		return NAME_TAG_STRUCT;
	if (len == 5 && !memcmp(p, "union", 5))
		return NAME_TAG_UNION;
	if (len == 4 && !memcmp(p, "enum", 4))
		return NAME_TAG_ENUM;
	return -1;
}

/* How the token at @p uses a tag just before it. */
static unsigned int tag_use(const char *p, const char *end)
{
	bool line_start = false;

	p = skip_space(p, end, &line_start);
	if (p < end && *p == '*')
		return NAME_USE_PTR;
	if (p < end && *p == '{')
		return NAME_USE_DEFINED;
	if (p < end && *p == ';')
		return NAME_USE_PTR; /* "struct X;": a declaration, as a pointer needs */
	return NAME_USE_VALUE;
}

struct scan_state {
	int tag;     /* kind of the keyword just read, or -1 */
	bool member; /* the last token was -> or . */
	bool line_start;
};

static int scan_ident(struct btf_header_names *n, struct scan_state *st, const char *p, size_t len,
		      const char *end)
{
	int kind = tag_kind(p, len);
	int ret;

	if (st->tag >= 0) {
		ret = name_set_add(&n->tags, p, len, NAME_TAG_BITS(st->tag, tag_use(p + len, end)));
	} else if (st->member) {
		ret = name_set_add(&n->members, p, len, 0);
	} else if (kind >= 0) {
		ret = 0;
	} else {
		ret = name_set_add(&n->idents, p, len, 0);
	}
	st->tag = kind;
	st->member = false;
	return ret;
}

int btf_header_names_scan(const char *text, size_t len, struct btf_header_names **out)
{
	struct btf_header_names *n = calloc(1, sizeof(*n));
	struct scan_state st = {.tag = -1, .line_start = true};
	const char *p = text, *end = text + len;
	int ret = 0;

	if (!n)
		return -ENOMEM;
	while (!ret && (p = skip_space(p, end, &st.line_start)) < end) {
		const char *s = p;

		st.line_start = false;
		if (ident_start(*p)) {
			while (p < end && ident_char(*p))
				p++;
			ret = scan_ident(n, &st, s, (size_t)(p - s), end);
			continue;
		}
		if (*p == '"' || *p == '\'') {
			p = skip_literal(p, end);
		} else if ((*p >= '0' && *p <= '9') ||
			   (*p == '.' && p + 1 < end && p[1] >= '0' && p[1] <= '9')) {
			/* a pp-number: digits, letters, '.', and signs after an exponent */
			for (p++; p < end && (ident_char(*p) || *p == '.' ||
					      ((*p == '+' || *p == '-') && strchr("eEpP", p[-1])));
			     p++)
				;
		} else if (*p == '-' && p + 1 < end && p[1] == '>') {
			p += 2;
			st.tag = -1;
			st.member = true;
			continue;
		} else {
			st.member = *p == '.';
			st.tag = -1;
			p++;
			continue;
		}
		st.tag = -1;
		st.member = false;
	}
	if (ret) {
		btf_header_names_free(n);
		return ret;
	}
	*out = n;
	return 0;
}

void btf_header_names_free(struct btf_header_names *names)
{
	if (!names)
		return;
	name_set_free(&names->tags);
	name_set_free(&names->members);
	name_set_free(&names->idents);
	free(names);
}
