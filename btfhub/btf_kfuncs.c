/* SPDX-License-Identifier: Apache-2.0 */
/* The kfunc declarations of vmlinux.h: the functions a kernel's BTF tags "bpf_kfunc".
 * A change of what this prints bumps BTF_HEADER_VERSION (btfhub.h). */
#include <string.h>

#include <bpf/btf.h>

#include "btfhub.h"
#include "btf_header_internal.h"

/* The FUNC that DECL_TAG @t tags "bpf_kfunc" as a whole (not one of its parameters), or 0. */
static int kfunc_of(const struct btf *btf, const struct btf_type *t)
{
	const struct btf_type *f;

	if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1 ||
	    strcmp(btf__name_by_offset(btf, t->name_off), "bpf_kfunc"))
		return 0;
	f = btf__type_by_id(btf, t->type);
	return f && btf_is_func(f) ? (int)t->type : 0;
}

int btf_header_write_kfuncs(const struct btf *btf, struct btf_dump *d, btf_header_want_fn want,
			    void *ctx, FILE *out)
{
	int n = (int)btf__type_cnt(btf), count = 0, ret = 0;

	for (int id = 1; id < n && !ret; id++) {
		int func = kfunc_of(btf, btf__type_by_id(btf, id));
		const struct btf_type *f = func ? btf__type_by_id(btf, func) : NULL, *proto;
		char name[256];
		LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);

		if (!f || (want && !want(btf__name_by_offset(btf, f->name_off), ctx)))
			continue;
		if (!count++)
			fprintf(
			    out,
			    "\n/* The kernel's kfuncs (BTF decl tag \"bpf_kfunc\"), outside the "
			    "types'\n"
			    " * guard: a precompiled header of the types leaves them out "
			    "(" BTF_HEADER_PCH_MACRO "),\n"
			    " * the program's #include of vmlinux.h then declares them. */\n"
			    "#if !defined(__VMLINUX_KFUNCS__) && !defined(BPF_NO_KFUNC_PROTOTYPES) "
			    "&& \\\n"
			    "    !defined(" BTF_HEADER_PCH_MACRO ")\n"
			    "#define __VMLINUX_KFUNCS__\n"
			    "#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n"
			    "#endif\n#ifndef __weak\n#define __weak __attribute__((weak))\n"
			    "#endif\n");
		proto = btf__type_by_id(btf, f->type);
		if (!proto || !btf_is_func_proto(proto))
			continue;
		/* The dumper writes a prototype without parameters as "name()", which C before
		 * C23 takes as unprototyped (and clang then leaves a kfunc known only from a
		 * precompiled header out of the object's BTF): "name(void)" on the return type. */
		snprintf(name, sizeof(name), "%s%s", btf__name_by_offset(btf, f->name_off),
			 btf_vlen(proto) ? "" : "(void)");
		opts.field_name = name;
		fprintf(out, "extern ");
		fflush(out);
		ret = btf_dump__emit_type_decl(d, btf_vlen(proto) ? f->type : proto->type, &opts);
		fprintf(out, " __weak __ksym;\n");
	}
	if (count)
		fprintf(out, "#endif /* BPF_NO_KFUNC_PROTOTYPES */\n");
	return ret < 0 ? ret : count;
}
