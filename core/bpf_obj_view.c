/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A BPF object (ELF, -target bpf) as the checks see it: sections, functions, programs, the
 * instructions that call helpers or reference maps and global data, and who calls whom.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "obj_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* A subprogram call or callback address: the instruction, and the target it names. */
struct code_edge {
	int site_sec, sec; /* sec < 0: no target (a kfunc) */
	uint32_t site_off, off;
	int from, to; /* functions, once known */
};

struct elf_ctx {
	Elf *elf;
	size_t shstrndx;
	Elf_Data *symtab;
	size_t strtab; /* section index of the symbol names */
	size_t text;   /* section index of .text, 0 if none */
	struct code_edge *edges;
	size_t nedges;
};

void *obj_push(void *arrp, size_t *n, size_t elem)
{
	void **arr = arrp;
	char *p = *arr;

	/* capacity is the next power of two: grow when @n is one */
	if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? *n * 2 : 8;

		p = realloc(p, cap * elem);
		if (!p)
			return NULL;
		*arr = p;
	}
	memset(p + *n * elem, 0, elem);
	return p + (*n)++ * elem;
}

int obj_sec_find(const struct bpf_obj_view *obj, const char *name)
{
	for (size_t i = 1; i < obj->nsecs; i++)
		if (!strcmp(obj->secs[i].name, name))
			return (int)i;
	return -1;
}

int obj_func_at(const struct bpf_obj_view *obj, int sec, uint32_t off)
{
	size_t lo = 0, hi = obj->nfuncs;

	/* funcs are sorted by section and offset: the last one starting at or before @off */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct obj_func *f = &obj->funcs[mid];

		if (f->sec < sec || (f->sec == sec && f->off <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct obj_func *f = &obj->funcs[lo - 1];

		if (f->sec == sec && off - f->off < f->size)
			return (int)(lo - 1);
	}
	return -1;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool is_data_section(const char *name)
{
	return has_prefix(name, ".data") || has_prefix(name, ".rodata") || has_prefix(name, ".bss");
}

static int bad_object(struct eucc_error *err, const char *why)
{
	return eucc_error_set(err, -EINVAL, EUCC_E_BAD_OBJECT, "not a BPF object: %s", why);
}

/* Record every section; keep .BTF and .BTF.ext aside. */
static int read_sections(struct bpf_obj_view *obj, struct elf_ctx *ec, Elf_Data **btf,
			 Elf_Data **ext, struct eucc_error *err)
{
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(ec->elf, &obj->nsecs) || elf_getshdrstrndx(ec->elf, &ec->shstrndx))
		return bad_object(err, "no section headers");
	obj->secs = calloc(obj->nsecs, sizeof(*obj->secs));
	if (!obj->secs)
		return -ENOMEM;
	while ((scn = elf_nextscn(ec->elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		struct obj_sec *s = &obj->secs[idx];
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) ||
		    !(name = elf_strptr(ec->elf, ec->shstrndx, sh.sh_name)))
			return bad_object(err, "bad section header");
		snprintf(s->name, sizeof(s->name), "%s", name);
		d = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
		s->size = sh.sh_size;
		s->data = is_data_section(name) && sh.sh_size > 0;
		s->rodata = s->data && has_prefix(name, ".rodata");
		s->maps = !strcmp(name, ".maps");
		if (s->data && sh.sh_type == SHT_PROGBITS && sh.sh_offset <= obj->image_size &&
		    sh.sh_size <= obj->image_size - sh.sh_offset)
			s->bytes = (const unsigned char *)obj->image + sh.sh_offset;
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR)) {
			/* point into our copy: the code outlives the Elf handle */
			if (sh.sh_offset > obj->image_size ||
			    sh.sh_size > obj->image_size - sh.sh_offset || sh.sh_offset % 8)
				return bad_object(err, "bad code section");
			s->exec = true;
			s->insns = (const void *)((const char *)obj->image + sh.sh_offset);
			if (!strcmp(name, ".text"))
				ec->text = idx;
		} else if (sh.sh_type == SHT_SYMTAB) {
			ec->symtab = d;
			ec->strtab = sh.sh_link;
		} else if (!strcmp(name, ".BTF")) {
			*btf = d;
		} else if (!strcmp(name, ".BTF.ext")) {
			*ext = d;
		}
	}
	if (!ec->symtab)
		return bad_object(err, "no symbol table");
	return 0;
}

static int func_cmp(const void *a, const void *b)
{
	const struct obj_func *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Every STT_FUNC symbol in a code section is a function; outside .text, a program. */
static int read_functions(struct bpf_obj_view *obj, struct elf_ctx *ec)
{
	size_t n = ec->symtab->d_size / sizeof(Elf64_Sym);

	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		struct obj_func *f;
		const char *name;

		if (!gelf_getsym(ec->symtab, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= obj->nsecs ||
		    !obj->secs[sym.st_shndx].exec)
			continue;
		name = elf_strptr(ec->elf, ec->strtab, sym.st_name);
		f = OBJ_PUSH(obj->funcs, obj->nfuncs);
		if (!f)
			return -ENOMEM;
		snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
		f->sec = sym.st_shndx;
		f->off = (uint32_t)sym.st_value;
		f->size = (uint32_t)sym.st_size;
	}
	qsort(obj->funcs, obj->nfuncs, sizeof(*obj->funcs), func_cmp);
	return 0;
}

/* Program type and attach target from the section name, the way libbpf reads it. */
static void program_kind(struct obj_prog *p)
{
	const char *slash = strchr(p->section, '/');

	p->type_known = !libbpf_prog_type_by_name(p->section, &p->type, &p->expected_attach);
	snprintf(p->attach, sizeof(p->attach), "%s", slash ? slash + 1 : "");
}

static int read_programs(struct bpf_obj_view *obj)
{
	for (size_t i = 0; i < obj->nfuncs; i++) {
		struct obj_func *f = &obj->funcs[i];
		struct obj_prog *p;

		f->prog = -1;
		if (!strcmp(obj->secs[f->sec].name, ".text"))
			continue;
		p = OBJ_PUSH(obj->progs, obj->nprogs);
		if (!p)
			return -ENOMEM;
		f->prog = (int)(obj->nprogs - 1);
		snprintf(p->name, sizeof(p->name), "%s", f->name);
		snprintf(p->section, sizeof(p->section), "%s", obj->secs[f->sec].name);
		p->func = (int)i;
		program_kind(p);
	}
	return 0;
}

static struct obj_ref *add_ref(struct bpf_obj_view *obj, enum obj_ref_kind kind, int sec,
			       uint32_t off)
{
	struct obj_ref *r = OBJ_PUSH(obj->refs, obj->nrefs);

	if (r) {
		r->kind = kind;
		r->sec = sec;
		r->off = off;
		r->func = obj_func_at(obj, sec, off);
	}
	return r;
}

static int add_edge(struct elf_ctx *ec, int site_sec, uint32_t site_off, int sec, uint32_t off)
{
	struct code_edge *e = OBJ_PUSH(ec->edges, ec->nedges);

	if (!e)
		return -ENOMEM;
	e->site_sec = site_sec;
	e->site_off = site_off;
	e->sec = sec;
	e->off = off;
	return 0;
}

static bool has_edge(const struct elf_ctx *ec, int site_sec, uint32_t site_off)
{
	for (size_t i = 0; i < ec->nedges; i++)
		if (ec->edges[i].site_sec == site_sec && ec->edges[i].site_off == site_off)
			return true;
	return false;
}

static bool is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

static bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Is @name a Kconfig extern (a variable of the object's .kconfig section)? */
static bool is_kconfig(const struct bpf_obj_view *obj, const char *name)
{
	int id = btf__find_by_name_kind(obj->btf, ".kconfig", BTF_KIND_DATASEC);
	const struct btf_type *sec = id > 0 ? btf__type_by_id(obj->btf, id) : NULL;
	const struct btf_var_secinfo *vs = sec ? btf_var_secinfos(sec) : NULL;

	for (int i = 0; sec && i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(obj->btf, vs->type);
		const char *n = v ? btf__name_by_offset(obj->btf, v->name_off) : NULL;

		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

/*
 * The address of an extern: a kernel symbol (bpf_ksym_exists(), a __ksym variable) or a Kconfig
 * value (never "missing": libbpf gives a __weak one a default).
 */
static int add_ksym(struct bpf_obj_view *obj, int sec, uint32_t off, const char *name,
		    const GElf_Sym *sym)
{
	struct obj_ref *r;

	if (!name)
		return 0;
	r = add_ref(obj, OBJ_REF_KSYM, sec, off);
	if (!r)
		return -ENOMEM;
	r->weak = GELF_ST_BIND(sym->st_info) == STB_WEAK && !is_kconfig(obj, name);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return 0;
}

/* Helper calls, and calls within a section that need no relocation (after scan_relocs). */
static int scan_code(struct bpf_obj_view *obj, struct elf_ctx *ec, int sec)
{
	const struct obj_sec *s = &obj->secs[sec];
	size_t n = s->size / sizeof(struct bpf_insn);

	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *insn = &s->insns[i];
		uint32_t off = (uint32_t)(i * sizeof(*insn));
		struct obj_ref *r;

		if (!is_call(insn))
			continue;
		if (insn->src_reg == 0) {
			r = add_ref(obj, OBJ_REF_HELPER, sec, off);
			if (!r)
				return -ENOMEM;
			r->helper = insn->imm;
		} else if (insn->src_reg == BPF_PSEUDO_CALL && !has_edge(ec, sec, off)) {
			int err = add_edge(ec, sec, off, sec,
					   off + (uint32_t)(insn->imm + 1) * sizeof(*insn));

			if (err)
				return err;
		}
	}
	return 0;
}

/* One relocation of a code section: subprogram calls and addresses, maps, data, kfuncs. */
static int scan_reloc(struct bpf_obj_view *obj, struct elf_ctx *ec, int sec, const GElf_Rel *rel)
{
	const struct obj_sec *s = &obj->secs[sec];
	uint32_t off = (uint32_t)rel->r_offset;
	const struct bpf_insn *insn;
	struct obj_ref *r = NULL;
	const char *name;
	GElf_Sym sym;

	if (off % sizeof(*insn) || off >= s->size ||
	    !gelf_getsym(ec->symtab, (int)GELF_R_SYM(rel->r_info), &sym))
		return 0;
	insn = &s->insns[off / sizeof(*insn)];
	name = elf_strptr(ec->elf, ec->strtab, sym.st_name);
	if (sym.st_shndx == SHN_UNDEF) {
		if (!is_call(insn))
			return is_ld_imm64(insn) ? add_ksym(obj, sec, off, name, &sym) : 0;
		r = add_ref(obj, OBJ_REF_KFUNC, sec, off);
		if (r) {
			r->weak = GELF_ST_BIND(sym.st_info) == STB_WEAK;
			snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
		}
		return r ? add_edge(ec, sec, off, -1, 0) : -ENOMEM;
	}
	if (sym.st_shndx == ec->text && is_call(insn))
		return add_edge(ec, sec, off, sym.st_shndx,
				(uint32_t)(sym.st_value + (insn->imm + 1) * sizeof(*insn)));
	if (sym.st_shndx == ec->text)
		return add_edge(ec, sec, off, sym.st_shndx, (uint32_t)(sym.st_value + insn->imm));
	if (sym.st_shndx >= obj->nsecs)
		return 0;
	if (obj->secs[sym.st_shndx].maps) {
		r = add_ref(obj, OBJ_REF_MAP, sec, off);
		if (r)
			snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	} else if (obj->secs[sym.st_shndx].data) {
		r = add_ref(obj, OBJ_REF_DATA, sec, off);
		if (r) {
			snprintf(r->name, sizeof(r->name), "%s", obj->secs[sym.st_shndx].name);
			r->data_sec = sym.st_shndx;
			r->data_off =
			    (uint32_t)sym.st_value + (is_ld_imm64(insn) ? (uint32_t)insn->imm : 0);
		}
	} else {
		return 0;
	}
	return r ? 0 : -ENOMEM;
}

static int scan_relocs(struct bpf_obj_view *obj, struct elf_ctx *ec)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ec->elf, scn))) {
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info >= obj->nsecs ||
		    !obj->secs[sh.sh_info].exec || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sizeof(Elf64_Rel); i++) {
			GElf_Rel rel;
			int err;

			if (!gelf_getrel(d, (int)i, &rel))
				break;
			err = scan_reloc(obj, ec, (int)sh.sh_info, &rel);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Mark every function program @p reaches through calls and callback addresses. */
static int compute_reach(struct bpf_obj_view *obj, const struct elf_ctx *ec, struct obj_prog *p)
{
	int *stack = malloc((obj->nfuncs + 1) * sizeof(*stack));
	size_t top = 0;

	p->reach = calloc(obj->nfuncs ? obj->nfuncs : 1, 1);
	if (!stack || !p->reach) {
		free(stack);
		return -ENOMEM;
	}
	p->reach[p->func] = 1;
	stack[top++] = p->func;
	while (top) {
		int f = stack[--top];

		for (size_t i = 0; i < ec->nedges; i++) {
			int to = ec->edges[i].to;

			if (ec->edges[i].from == f && to >= 0 && !p->reach[to]) {
				p->reach[to] = 1;
				stack[top++] = to;
			}
		}
	}
	free(stack);
	return 0;
}

static int call_cmp(const void *a, const void *b)
{
	const struct obj_call *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int read_code(struct bpf_obj_view *obj, struct elf_ctx *ec)
{
	int err = scan_relocs(obj, ec);

	for (size_t i = 1; !err && i < obj->nsecs; i++)
		if (obj->secs[i].exec)
			err = scan_code(obj, ec, (int)i);
	for (size_t i = 0; !err && i < ec->nedges; i++) {
		struct code_edge *e = &ec->edges[i];
		struct obj_call *c = OBJ_PUSH(obj->calls, obj->ncalls);

		e->from = obj_func_at(obj, e->site_sec, e->site_off);
		e->to = e->sec < 0 ? -1 : obj_func_at(obj, e->sec, e->off);
		if (!c)
			return -ENOMEM;
		*c = (struct obj_call){.sec = e->site_sec, .off = e->site_off, .to = e->to};
		c->callback = !is_call(&obj->secs[e->site_sec].insns[e->site_off / 8]);
	}
	if (obj->ncalls)
		qsort(obj->calls, obj->ncalls, sizeof(*obj->calls), call_cmp);
	for (size_t i = 0; !err && i < obj->nprogs; i++)
		err = compute_reach(obj, ec, &obj->progs[i]);
	return err;
}

static int open_elf(struct bpf_obj_view *obj, struct elf_ctx *ec, struct eucc_error *err)
{
	GElf_Ehdr eh;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "libelf: %s", elf_errmsg(-1));
	ec->elf = elf_memory(obj->image, obj->image_size);
	if (!ec->elf || elf_kind(ec->elf) != ELF_K_ELF || !gelf_getehdr(ec->elf, &eh))
		return bad_object(err, "not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_BPF)
		return bad_object(err, "not compiled with -target bpf");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return bad_object(err, "big-endian BPF objects are not supported");
	return 0;
}

/* A global's offset in its section, from its symbol (clang leaves the BTF's offsets at 0). */
static void global_offsets(struct bpf_obj_view *obj, struct elf_ctx *ec)
{
	size_t n = ec->symtab->d_size / sizeof(Elf64_Sym);

	for (size_t i = 1; i < n; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(ec->symtab, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= obj->nsecs || !obj->secs[sym.st_shndx].data ||
		    !(name = elf_strptr(ec->elf, ec->strtab, sym.st_name)))
			continue;
		for (size_t j = 0; j < obj->nglobals; j++) {
			struct obj_global *g = &obj->globals[j];

			if (!strcmp(g->name, name) &&
			    !strcmp(g->section, obj->secs[sym.st_shndx].name))
				g->offset = (uint32_t)sym.st_value;
		}
	}
}

static int parse_object(struct bpf_obj_view *obj, struct elf_ctx *ec, struct eucc_error *err)
{
	Elf_Data *btf = NULL, *ext = NULL;
	int ret;

	ret = open_elf(obj, ec, err);
	ret = ret ?: read_sections(obj, ec, &btf, &ext, err);
	if (ret)
		return ret;
	if (!btf)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_OBJECT,
				      "the object has no .BTF section: compile with -g");
	obj->btf = btf__new(btf->d_buf, btf->d_size);
	if (!obj->btf)
		return eucc_error_set(err, -errno, EUCC_E_BAD_OBJECT,
				      "the object's .BTF is corrupt");
	ret = read_functions(obj, ec);
	ret = ret ?: read_programs(obj);
	ret = ret ?: read_code(obj, ec);
	if (!ret && ext)
		ret = obj_parse_btf_ext(obj, ext->d_buf, ext->d_size, err);
	ret = ret ?: obj_parse_maps(obj, err);
	ret = ret ?: obj_parse_globals(obj);
	if (!ret)
		global_offsets(obj, ec);
	if (ret == -ENOMEM)
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	return ret;
}

int obj_view_open(const void *data, size_t size, struct bpf_obj_view **out, struct eucc_error *err)
{
	struct bpf_obj_view *obj = calloc(1, sizeof(*obj));
	struct elf_ctx ec = {0};
	int ret;

	*out = NULL;
	if (!obj || !(obj->image = malloc(size ? size : 1))) {
		free(obj);
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	memcpy(obj->image, data, size);
	obj->image_size = size;
	ret = parse_object(obj, &ec, err);
	free(ec.edges);
	if (ec.elf)
		elf_end(ec.elf);
	if (ret) {
		obj_view_free(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

void obj_view_free(struct bpf_obj_view *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->nprogs; i++)
		free(obj->progs[i].reach);
	btf__free(obj->btf);
	free(obj->secs);
	free(obj->funcs);
	free(obj->progs);
	free(obj->refs);
	free(obj->calls);
	free(obj->maps);
	free(obj->globals);
	free(obj->relos);
	free(obj->lines);
	free(obj->image);
	free(obj);
}
