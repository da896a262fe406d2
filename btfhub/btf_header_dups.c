/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names that occur more than once in a kernel's BTF, and which of their types the full
 * vmlinux.h prints under the plain name: libbpf's dumper suffixes the others (___2, ___3) in
 * the order it meets them while it dumps every type, so that is asked of the dumper itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btfhub.h"
#include "btf_header_internal.h"

/* The dumper's output: dropped while it dumps everything, then kept for one declaration. */
struct capture {
	FILE *mem;
	bool on;
};

static void capture_printf(void *ctx, const char *fmt, va_list args)
{
	struct capture *c = ctx;

	if (c->on)
		vfprintf(c->mem, fmt, args);
}

static bool tag_kind(const struct btf_type *t)
{
	return btf_is_struct(t) || btf_is_union(t) ||
	       ((btf_is_enum(t) || btf_is_enum64(t)) && btf_vlen(t));
}

/* Count every name of the dumper's two namespaces: tags; typedefs and enumerators. */
static int count_all(const struct btf *btf, struct name_set *tags, struct name_set *idents)
{
	int n = (int)btf__type_cnt(btf), ret = 0;

	for (int id = 1; id < n && !ret; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		struct name_set *set = btf_is_typedef(t) ? idents : tags;

		if (*name && (tag_kind(t) || btf_is_typedef(t))) {
			ret = name_set_add(set, name, strlen(name), 0);
			name_set_bump(set, name);
		}
		for (int i = 0; !ret && (btf_is_enum(t) || btf_is_enum64(t)) && i < btf_vlen(t);
		     i++) {
			name = btf__name_by_offset(btf, btf_is_enum(t) ? btf_enum(t)[i].name_off
								       : btf_enum64(t)[i].name_off);
			ret = name_set_add(idents, name, strlen(name), 0);
			name_set_bump(idents, name);
		}
	}
	return ret;
}

/* Mark the types whose names occur twice, and which of them the full dump prints plain. */
static int mark_dups(const struct btf *btf, struct btf_dump *d, struct capture *cap, char **buf,
		     size_t *len, const struct name_set *tags, const struct name_set *idents,
		     unsigned char *state)
{
	int n = (int)btf__type_cnt(btf), ret = 0;

	for (int id = 1; id < n && !ret; id++) {
		LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		const struct name_set *set = btf_is_typedef(t) ? idents : tags;
		size_t nl = strlen(name);

		if (!*name || (!tag_kind(t) && !btf_is_typedef(t)) || name_set_get(set, name) <= 1)
			continue;
		state[id] |= DUP_NAME;
		rewind(cap->mem);
		cap->on = true;
		ret = btf_dump__emit_type_decl(d, (__u32)id, &opts);
		cap->on = false;
		fflush(cap->mem);
		/* "struct foo" or "foo" (typedef): plain; "struct foo___2": suffixed */
		if (!ret && *len >= nl && !strncmp(*buf + *len - nl, name, nl) &&
		    (*len == nl || (*buf)[*len - nl - 1] == ' '))
			state[id] |= DUP_PLAIN;
	}
	return ret;
}

int btf_header_dups_new(const struct btf *btf, struct btf_header_dups **out)
{
	struct btf_header_dups *dups = calloc(1, sizeof(*dups));
	struct name_set tags = {0};
	int n = (int)btf__type_cnt(btf), ret;
	struct capture cap = {0};
	struct btf_dump *d = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (!dups)
		return -ENOMEM;
	dups->state = calloc((size_t)n, 1);
	ret = dups->state ? count_all(btf, &tags, &dups->idents) : -ENOMEM;
	if (!ret && !(cap.mem = open_memstream(&buf, &len)))
		ret = -errno;
	if (!ret && !(d = btf_dump__new(btf, capture_printf, &cap, NULL)))
		ret = -errno;
	/* The whole dump, as btf_header_write makes it, names every type. */
	for (int id = 1; id < n && !ret; id++)
		ret = btf_dump__dump_type(d, id);
	if (!ret)
		ret = mark_dups(btf, d, &cap, &buf, &len, &tags, &dups->idents, dups->state);
	btf_dump__free(d);
	if (cap.mem)
		fclose(cap.mem);
	free(buf);
	name_set_free(&tags);
	if (ret) {
		btf_header_dups_free(dups);
		return ret;
	}
	*out = dups;
	return 0;
}

void btf_header_dups_free(struct btf_header_dups *dups)
{
	if (!dups)
		return;
	name_set_free(&dups->idents);
	free(dups->state);
	free(dups);
}
