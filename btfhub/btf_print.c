/* SPDX-License-Identifier: Apache-2.0 */
/* One type's definition or one function's prototype, "as that kernel has it". */
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "btfhub.h"

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

static void emit_decl(struct btf_dump *d, int type_id, const char *field, int indent, FILE *out)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = field,
		    .indent_level = indent);

	fflush(out);
	btf_dump__emit_type_decl(d, type_id, &opts);
}

static void print_record(const struct btf *btf, struct btf_dump *d, const struct btf_type *t,
			 const char *name, FILE *out)
{
	const struct btf_member *m = btf_members(t);

	fprintf(out, "%s %s {\n", btf_is_struct(t) ? "struct" : "union", name);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		unsigned int bits = btf_member_bitfield_size(t, i);
		unsigned int off = btf_member_bit_offset(t, i);

		fputc('\t', out);
		emit_decl(d, m->type, btf__name_by_offset(btf, m->name_off), 1, out);
		if (bits)
			fprintf(out, ": %u", bits);
		if (off % 8 || bits)
			fprintf(out, ";\t/* bit %u */\n", off);
		else
			fprintf(out, ";\t/* %u */\n", off / 8);
	}
	fprintf(out, "}; /* size %u */\n", t->size);
}

static void print_enum(const struct btf *btf, const struct btf_type *t, const char *name, FILE *out)
{
	fprintf(out, "enum %s {\n", name);
	for (int i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t))
			fprintf(out, "\t%s = %d,\n",
				btf__name_by_offset(btf, btf_enum(t)[i].name_off),
				btf_enum(t)[i].val);
		else
			fprintf(out, "\t%s = %llu,\n",
				btf__name_by_offset(btf, btf_enum64(t)[i].name_off),
				(unsigned long long)btf_enum64_value(&btf_enum64(t)[i]));
	}
	fprintf(out, "}; /* size %u */\n", t->size);
}

/* Split "struct foo" into a kind filter and a name. */
static const char *parse_type_name(const char *name, int *kinds, int *nkinds)
{
	static const struct {
		const char *word;
		int kinds[2];
	} words[] = {
	    {"struct ", {BTF_KIND_STRUCT, -1}},
	    {"union ", {BTF_KIND_UNION, -1}},
	    {"enum ", {BTF_KIND_ENUM, BTF_KIND_ENUM64}},
	};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t len = strlen(words[w].word);

		if (!strncmp(name, words[w].word, len)) {
			kinds[0] = words[w].kinds[0];
			kinds[1] = words[w].kinds[1];
			*nkinds = kinds[1] < 0 ? 1 : 2;
			return name + len;
		}
	}
	kinds[0] = BTF_KIND_STRUCT;
	kinds[1] = BTF_KIND_UNION;
	kinds[2] = BTF_KIND_ENUM;
	kinds[3] = BTF_KIND_ENUM64;
	kinds[4] = BTF_KIND_TYPEDEF;
	*nkinds = 5;
	return name;
}

/* First definition of @name among @kinds; *copies counts the definitions of that kind. */
static int find_definition(const struct btf *btf, const char *name, const int *kinds, int nkinds,
			   int *copies)
{
	int n = (int)btf__type_cnt(btf);

	for (int k = 0; k < nkinds; k++) {
		int first = -1;

		*copies = 0;
		for (int id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);

			if (btf_kind(t) != kinds[k] ||
			    strcmp(btf__name_by_offset(btf, t->name_off), name))
				continue;
			if (first < 0)
				first = id;
			(*copies)++;
		}
		if (first > 0)
			return first;
	}
	return -ENOENT;
}

int btf_header_print_type(const struct btf *btf, const char *spec, FILE *out,
			  struct eucc_error *err)
{
	int kinds[5], nkinds, copies = 0, id;
	const char *name = parse_type_name(spec, kinds, &nkinds);
	const struct btf_type *t;
	struct btf_dump *d;

	id = find_definition(btf, name, kinds, nkinds, &copies);
	if (id < 0) {
		eucc_error_set(err, -ENOENT, EUCC_E_TYPE_NOT_FOUND,
			       "no type named '%s' in this kernel's BTF", spec);
		eucc_error_hint(err, "type names are C names without the keyword (task_struct) or "
				     "with it (struct task_struct)");
		return -ENOENT;
	}
	d = btf_dump__new(btf, dump_printf, out, NULL);
	if (!d)
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "cannot start the BTF dumper");
	t = btf__type_by_id(btf, id);
	if (copies > 1)
		fprintf(out,
			"/* %d definitions of '%s' in this BTF (not deduplicated); the first: */\n",
			copies, name);
	if (btf_is_composite(t))
		print_record(btf, d, t, name, out);
	else if (btf_is_any_enum(t))
		print_enum(btf, t, name, out);
	else {
		fprintf(out, "typedef ");
		emit_decl(d, t->type, name, 0, out);
		fprintf(out, ";\n");
	}
	btf_dump__free(d);
	return 0;
}

static bool btf_has_funcs(const struct btf *btf)
{
	int n = (int)btf__type_cnt(btf);

	for (int id = 1; id < n; id++)
		if (btf_is_func(btf__type_by_id(btf, id)))
			return true;
	return false;
}

int btf_header_print_func(const struct btf *btf, const char *name, FILE *out,
			  struct eucc_error *err)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *t;
	struct btf_dump *d;

	if (id < 0) {
		if (!btf_has_funcs(btf)) {
			eucc_error_set(err, -ENOENT, EUCC_E_NO_FUNC_RECORDS,
				       "this kernel's BTF has no FUNC records, so it cannot tell "
				       "whether '%s' exists or what its prototype is",
				       name);
			eucc_error_hint(err,
					"the BTF was made without function info (an older "
					"pahole); attach targets on it are reported as unknown");
			return -ENOENT;
		}
		return eucc_error_set(err, -ENOENT, EUCC_E_FUNC_NOT_FOUND,
				      "no kernel function named '%s' in this kernel's BTF", name);
	}
	d = btf_dump__new(btf, dump_printf, out, NULL);
	if (!d)
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "cannot start the BTF dumper");
	t = btf__type_by_id(btf, id);
	emit_decl(d, t->type, name, 0, out);
	fprintf(out, ";\n");
	btf_dump__free(d);
	return 0;
}
