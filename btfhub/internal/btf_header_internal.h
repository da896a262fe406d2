/* SPDX-License-Identifier: Apache-2.0 */
/* What the full vmlinux.h writer and the per-program header writer share. */
#ifndef EUCC_BTF_HEADER_INTERNAL_H
#define EUCC_BTF_HEADER_INTERNAL_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "btfhub.h"

struct btf;

/* Which optional names a header keeps (btfhub.h's btf_header_want_fn): NULL keeps them all
 * (the full vmlinux.h). */

/* The guard and the preserve_access_index push that open every header. */
void btf_header_write_prologue(FILE *out);
/* The BPF UAPI constants @btf lacks (only those @want keeps), the pop, the guard's end. */
void btf_header_write_epilogue(const struct btf *btf, btf_header_want_fn want, void *ctx,
			       FILE *out);

/* ---- the names a program's preprocessed source uses (btf_header_names.c) ---------------- */

/* How a tag follows its keyword: bits of (keyword kind) x (use). */
enum {
	NAME_TAG_STRUCT = 0,
	NAME_TAG_UNION = 1,
	NAME_TAG_ENUM = 2,
	NAME_USE_VALUE = 1 << 0,   /* "struct X" not followed by '*' ("struct X v", sizeof(...)) */
	NAME_USE_PTR = 1 << 1,	   /* "struct X *" */
	NAME_USE_DEFINED = 1 << 2, /* "struct X {": the program's own type */
};
#define NAME_TAG_BITS(kind, use) ((unsigned int)(use) << ((kind)*3))

/* An open-addressing set of names, each with flags. */
struct name_set {
	char **keys;
	unsigned int *flags;
	size_t cap, count;
	/* a bit per first two bytes of the names in the set: most names looked up (every type
	 * of a kernel's BTF) are not in a program's set, and are turned away without hashing */
	uint64_t *first2;
};

int name_set_add(struct name_set *s, const char *name, size_t len, unsigned int flags);
/* The flags of @name, or -1 when it is not in the set. */
long name_set_get(const struct name_set *s, const char *name);
/* Count one more occurrence of @name in its flags, if it is in the set. */
void name_set_bump(struct name_set *s, const char *name);
void name_set_free(struct name_set *s);

struct btf_header_names {
	struct name_set tags;	 /* after struct / union / enum, flags NAME_TAG_BITS */
	struct name_set members; /* after -> or . */
	struct name_set idents;	 /* every other identifier */
};

/* ---- names held twice (btf_header_dups.c) --------------------------------------------- */

enum {
	DUP_NAME = 1 << 0,  /* a tag or typedef whose name another type of its namespace has */
	DUP_PLAIN = 1 << 1, /* ... that the full vmlinux.h prints under the plain name */
};

struct btf_header_dups {
	unsigned char *state;	/* per type id: DUP_* */
	struct name_set idents; /* typedef and enumerator names, flags: how often each occurs */
};

#endif
