/* SPDX-License-Identifier: Apache-2.0 */
/* The kfunc declarations of vmlinux.h: the functions a kernel's BTF tags "bpf_kfunc". */
#include <string.h>

#include <bpf/btf.h>

#include "btfhub.h"

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

int btf_header_write_kfuncs(const struct btf *btf, struct btf_dump *d, FILE *out)
{
	int n = (int)btf__type_cnt(btf), count = 0, ret = 0;

	for (int id = 1; id < n && !ret; id++) {
		int func = kfunc_of(btf, btf__type_by_id(btf, id));
		const struct btf_type *f = func ? btf__type_by_id(btf, func) : NULL;
		LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);

		if (!f)
			continue;
		if (!count++)
			fprintf(
			    out,
			    "\n/* The kernel's kfuncs (BTF decl tag \"bpf_kfunc\"). */\n"
			    "#ifndef BPF_NO_KFUNC_PROTOTYPES\n"
			    "#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n"
			    "#endif\n#ifndef __weak\n#define __weak __attribute__((weak))\n"
			    "#endif\n");
		opts.field_name = btf__name_by_offset(btf, f->name_off);
		fprintf(out, "extern ");
		fflush(out);
		ret = btf_dump__emit_type_decl(d, f->type, &opts);
		fprintf(out, " __weak __ksym;\n");
	}
	if (count)
		fprintf(out, "#endif /* BPF_NO_KFUNC_PROTOTYPES */\n");
	return ret < 0 ? ret : count;
}
