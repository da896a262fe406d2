/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vmlinux.h per program: only the kernel types its preprocessed source can name, with what
 * they need, printed by the same dumper, prologue and epilogue as the full vmlinux.h.
 *
 * Roots: the tags the program names by value (struct X v, sizeof(struct X)), typedefs,
 * enums of the enumerators it names, the types of the functions and variables it names, the
 * records it names only through pointers if it reads one of their members, and, from every
 * record in the header, the record behind a pointer member the program reads (task->mm->pgd).
 * libbpf's dumper adds what the roots hold by value, and a forward declaration for what they
 * only point to. Records the program defines itself (struct X {) are left to it.
 *
 * The dumper gives a name that occurs twice in the BTF a suffix (___2) in the order it meets
 * them, which differs between the whole BTF and a part of it: a header that would hold such
 * a name is refused (-EAGAIN), and the full vmlinux.h is used instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btfhub.h"
#include "btf_header_internal.h"

struct min_ctx {
	const struct btf *btf;
	const struct btf_header_names *names;
	const struct btf_header_dups *dups;
	int n;
	unsigned char *state; /* per type id: ST_* bits */
	int *work;	      /* roots still to walk */
	int nwork;
};

enum {
	ST_ROOT = 1 << 0, /* dumped by us */
	ST_FULL = 1 << 1, /* in the header with its definition */
	ST_PTR = 1 << 2,  /* walked as seen through a pointer */
	ST_FWD = 1 << 3,  /* declared only (struct X;) */
	ST_WANT = 1 << 4, /* the program names it through a pointer: a declaration of ours */
	ST_USED = ST_FULL | ST_PTR | ST_FWD | ST_WANT,
};

static const char *type_name(const struct min_ctx *c, const struct btf_type *t)
{
	return btf__name_by_offset(c->btf, t->name_off);
}

static bool is_record(const struct btf_type *t)
{
	return btf_is_struct(t) || btf_is_union(t);
}

static bool is_mod(const struct btf_type *t)
{
	return btf_is_mod(t) || btf_is_type_tag(t);
}

static void add_root(struct min_ctx *c, int id)
{
	if (id <= 0 || id >= c->n || (c->state[id] & ST_ROOT))
		return;
	c->state[id] |= ST_ROOT;
	c->work[c->nwork++] = id;
}

/* Does the program read a member of record @id (or of a record it holds without a name)? */
static bool member_read(const struct min_ctx *c, int id, int depth)
{
	const struct btf_type *t = btf__type_by_id(c->btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(c->btf, m->name_off);
		int mt = (int)m->type;

		if (name && *name && name_set_get(&c->names->members, name) >= 0)
			return true;
		if (name && *name)
			continue;
		while (mt > 0 && is_mod(btf__type_by_id(c->btf, mt)))
			mt = (int)btf__type_by_id(c->btf, mt)->type;
		if (depth < 16 && mt > 0 && is_record(btf__type_by_id(c->btf, mt)) &&
		    member_read(c, mt, depth + 1))
			return true;
	}
	return false;
}

/* The record behind pointers, modifiers and typedefs from @id, or 0. */
static int pointee_record(const struct min_ctx *c, int id)
{
	for (int guard = 0; id > 0 && guard < 64; guard++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);

		if (is_record(t))
			return id;
		if (!btf_is_ptr(t) && !is_mod(t) && !btf_is_typedef(t) && !btf_is_array(t))
			return 0;
		id = btf_is_array(t) ? (int)btf_array(t)->type : (int)t->type;
	}
	return 0;
}

/* Does @id reach a pointer through modifiers, typedefs and arrays only? */
static bool leads_to_ptr(const struct min_ctx *c, int id)
{
	for (int guard = 0; id > 0 && guard < 64; guard++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);

		if (btf_is_ptr(t))
			return true;
		if (!is_mod(t) && !btf_is_typedef(t) && !btf_is_array(t))
			return false;
		id = btf_is_array(t) ? (int)btf_array(t)->type : (int)t->type;
	}
	return false;
}

static void walk(struct min_ctx *c, int id, bool via_ptr, int depth);

static void walk_record(struct min_ctx *c, const struct btf_type *t, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(c->btf, m->name_off);

		/* task->mm: the program reads member mm, so it may go on into *mm. */
		if (name && *name && name_set_get(&c->names->members, name) >= 0 &&
		    leads_to_ptr(c, (int)m->type)) {
			int r = pointee_record(c, (int)m->type);

			if (r && *type_name(c, btf__type_by_id(c->btf, r)))
				add_root(c, r);
		}
		walk(c, (int)m->type, false, depth + 1);
	}
}

/* Mark what the dumper will print for @id: a definition, or a declaration through a pointer. */
static void walk(struct min_ctx *c, int id, bool via_ptr, int depth)
{
	const struct btf_type *t;

	if (id <= 0 || id >= c->n || depth > 512)
		return;
	t = btf__type_by_id(c->btf, id);
	if (is_record(t) && via_ptr && t->name_off) {
		c->state[id] |= ST_FWD;
		return;
	}
	if (c->state[id] & ST_FULL)
		return;
	if (via_ptr && !is_record(t)) {
		if (c->state[id] & ST_PTR)
			return;
		c->state[id] |= ST_PTR;
	} else {
		c->state[id] |= ST_FULL;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		walk_record(c, t, depth);
		break;
	case BTF_KIND_PTR:
		walk(c, (int)t->type, true, depth + 1);
		break;
	case BTF_KIND_ARRAY:
		walk(c, (int)btf_array(t)->type, via_ptr, depth + 1);
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		walk(c, (int)t->type, via_ptr, depth + 1);
		break;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = btf_params(t);

		walk(c, (int)t->type, via_ptr, depth + 1);
		for (int i = 0; i < btf_vlen(t); i++)
			walk(c, (int)p[i].type, via_ptr, depth + 1);
		break;
	}
	default:
		break;
	}
}

/* A type named as a function's or variable's: by value a root, behind a pointer as a tag. */
static void named_use(struct min_ctx *c, int id)
{
	int r;

	while (id > 0 && is_mod(btf__type_by_id(c->btf, id)))
		id = (int)btf__type_by_id(c->btf, id)->type;
	if (id <= 0)
		return;
	if (!btf_is_ptr(btf__type_by_id(c->btf, id))) {
		add_root(c, id);
		return;
	}
	r = pointee_record(c, id);
	if (!r || !btf__type_by_id(c->btf, r)->name_off || member_read(c, r, 0))
		add_root(c, r ? r : id);
	else
		c->state[r] |= ST_WANT;
}

static bool enumerator_named(const struct min_ctx *c, const struct btf_type *t)
{
	for (int i = 0; i < btf_vlen(t); i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		if (name_set_get(&c->names->idents, btf__name_by_offset(c->btf, off)) >= 0)
			return true;
	}
	return false;
}

static void find_named_record(struct min_ctx *c, int id, const struct btf_type *t)
{
	long f = name_set_get(&c->names->tags, type_name(c, t));
	int kind = btf_is_struct(t) ? NAME_TAG_STRUCT : NAME_TAG_UNION;
	unsigned int use;

	if (f < 0)
		return;
	use = ((unsigned int)f >> (kind * 3)) & 7;
	if (!use || (use & NAME_USE_DEFINED))
		return;
	if ((use & NAME_USE_VALUE) || member_read(c, id, 0))
		add_root(c, id);
	else
		c->state[id] |= ST_WANT;
}

/* The roots: every type the program names. */
static void find_roots(struct min_ctx *c)
{
	for (int id = 1; id < c->n; id++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);
		const char *name = type_name(c, t);
		long f;

		/* a name held twice: the program means the type the full header prints plain */
		if ((c->dups->state[id] & (DUP_NAME | DUP_PLAIN)) == DUP_NAME)
			continue;
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			if (*name)
				find_named_record(c, id, t);
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			f = *name ? name_set_get(&c->names->tags, name) : -1;
			if ((f >= 0 && (((unsigned long)f >> (NAME_TAG_ENUM * 3)) & 7) &&
			     !(((unsigned long)f >> (NAME_TAG_ENUM * 3)) & NAME_USE_DEFINED)) ||
			    enumerator_named(c, t))
				add_root(c, id);
			break;
		case BTF_KIND_TYPEDEF:
			if (name_set_get(&c->names->idents, name) >= 0)
				add_root(c, id);
			break;
		case BTF_KIND_FUNC:
			if (name_set_get(&c->names->idents, name) >= 0) {
				const struct btf_type *p = btf__type_by_id(c->btf, t->type);

				named_use(c, (int)p->type);
				for (int i = 0; i < btf_vlen(p); i++)
					named_use(c, (int)btf_params(p)[i].type);
			}
			break;
		case BTF_KIND_VAR:
			if (name_set_get(&c->names->idents, name) >= 0)
				named_use(c, (int)t->type);
			break;
		default:
			break;
		}
	}
}

/* ---- names the dumper would suffix ------------------------------------------------------- */

/* A type of the header that the full header names otherwise, or NULL. */
static const char *renamed(const struct min_ctx *c)
{
	for (int id = 1; id < c->n; id++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);

		if (!(c->state[id] & ST_USED))
			continue;
		if ((c->dups->state[id] & (DUP_NAME | DUP_PLAIN)) == DUP_NAME)
			return type_name(c, t);
		for (int i = 0; (btf_is_enum(t) || btf_is_enum64(t)) && i < btf_vlen(t); i++) {
			const char *name =
			    btf__name_by_offset(c->btf, btf_is_enum(t) ? btf_enum(t)[i].name_off
								       : btf_enum64(t)[i].name_off);

			if (name_set_get(&c->dups->idents, name) > 1)
				return name;
		}
	}
	return NULL;
}

static int check_names(const struct min_ctx *c, struct eucc_error *err)
{
	const char *name = renamed(c);

	if (!name)
		return 0;
	return eucc_error_set(err, -EAGAIN, EUCC_E_CONFLICT,
			      "'%s' names more than one type of this kernel's BTF and the full "
			      "header suffixes this one",
			      name);
}

/* ---- writing ----------------------------------------------------------------------------- */

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

static bool want_ident(const char *name, void *ctx)
{
	const struct btf_header_names *names = ctx;

	return name_set_get(&names->idents, name) >= 0;
}

static int write_min(const struct min_ctx *c, FILE *out, struct btf_header_min_stats *stats,
		     struct eucc_error *err)
{
	struct btf_dump *d = btf_dump__new(c->btf, dump_printf, out, NULL);
	int ret = 0;

	if (!d)
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL,
				      "cannot start the BTF dumper: %s", strerror(errno));
	btf_header_write_prologue(out);
	for (int id = 1; id < c->n; id++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);

		if ((c->state[id] & (ST_WANT | ST_FULL | ST_FWD)) != ST_WANT)
			continue;
		fprintf(out, "%s %s;\n\n", btf_is_struct(t) ? "struct" : "union", type_name(c, t));
		stats->declared++;
	}
	for (int id = 1; id < c->n && !ret; id++) {
		if (c->state[id] & ST_ROOT) {
			ret = btf_dump__dump_type(d, id);
			stats->roots++;
		}
		if (c->state[id] & ST_FULL)
			stats->defined++;
		else if (c->state[id] & ST_FWD)
			stats->declared++;
	}
	if (!ret) {
		btf_header_write_epilogue(c->btf, want_ident, (void *)c->names, out);
		ret = btf_header_write_kfuncs(c->btf, d, want_ident, (void *)c->names, out);
	}
	btf_dump__free(d);
	if (ret < 0)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot dump BTF type: %s",
				      strerror(-ret));
	return ferror(out) ? eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write the header") : 0;
}

int btf_header_write_min(const struct btf *btf, const struct btf_header_dups *dups,
			 const struct btf_header_names *names, FILE *out,
			 struct btf_header_min_stats *stats, struct eucc_error *err)
{
	struct min_ctx c = {.btf = btf, .names = names, .dups = dups, .n = (int)btf__type_cnt(btf)};
	struct btf_header_min_stats local = {0};
	int ret;

	c.state = calloc((size_t)c.n, 1);
	c.work = calloc((size_t)c.n, sizeof(*c.work));
	if (!c.state || !c.work) {
		free(c.state);
		free(c.work);
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	find_roots(&c);
	while (c.nwork > 0)
		walk(&c, c.work[--c.nwork], false, 0);
	ret = check_names(&c, err);
	if (!ret)
		ret = write_min(&c, out, &local, err);
	if (stats)
		*stats = local;
	free(c.state);
	free(c.work);
	return ret;
}
