/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile_strip_debug: clang's BPF object without its DWARF, as `llvm-strip -g` leaves it, in
 * the server's memory instead of a second sandboxed command.
 *
 * Dropped: the .debug_* sections, the relocation sections of dropped sections, the section
 * symbols of dropped sections and the STT_FILE symbols. Kept as they are: every other section's
 * contents (.BTF and .BTF.ext with their line info, the programs, maps, license), and the string
 * table (names of dropped sections stay in it, unused). Renumbered: sections and symbols, in
 * their order, so the symbol table, the relocations (r_info, sh_link, sh_info), .llvm_addrsig
 * (ULEB128 symbol indexes) and e_shstrndx are rewritten. tests/unit/test_compile.c compares
 * the result with llvm-strip's on every test program.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compile_internal.h"

#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif

struct strip {
	Elf *in, *out;
	size_t nsec;
	size_t *sec_map; /* old section index -> new, 0: dropped */
	size_t nsym;
	size_t *sym_map; /* old symbol index -> new, 0 for dropped (and for the null symbol) */
	bool *sym_keep;
	size_t symtab; /* old index of .symtab */
	void **bufs;   /* rewritten contents, freed at the end */
	size_t nbufs;
	uint64_t off; /* the file layout so far (ELF_F_LAYOUT: ours, not libelf's) */
};

static bool is_debug(Elf *e, size_t shstrndx, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(e, shstrndx, sh->sh_name);

	return name && !strncmp(name, ".debug_", 7);
}

/* Which sections stay: not DWARF, and no relocations of a section that goes. */
static int map_sections(struct strip *st)
{
	size_t shstrndx, next = 1;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(st->in, &shstrndx))
		return -EINVAL;
	st->sec_map = calloc(st->nsec, sizeof(*st->sec_map));
	if (!st->sec_map)
		return -ENOMEM;
	for (size_t i = 1; i < st->nsec; i++) {
		Elf_Scn *scn = elf_getscn(st->in, i);

		if (!scn || !gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type == SHT_SYMTAB)
			st->symtab = i;
		if (!is_debug(st->in, shstrndx, &sh))
			st->sec_map[i] = 1;
	}
	for (size_t i = 1; i < st->nsec; i++) {
		gelf_getshdr(elf_getscn(st->in, i), &sh);
		if ((sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) &&
		    (sh.sh_info >= st->nsec || !st->sec_map[sh.sh_info]))
			st->sec_map[i] = 0;
	}
	for (size_t i = 1; i < st->nsec; i++)
		if (st->sec_map[i])
			st->sec_map[i] = next++;
	return st->symtab ? 0 : -EINVAL;
}

/* Which symbols stay: not STT_FILE, not the section symbol of a dropped section. */
static int map_symbols(struct strip *st, Elf_Data *d)
{
	size_t next = 1;
	GElf_Sym s;

	st->nsym = d->d_size / sizeof(Elf64_Sym);
	st->sym_map = calloc(st->nsym ? st->nsym : 1, sizeof(*st->sym_map));
	st->sym_keep = calloc(st->nsym ? st->nsym : 1, sizeof(*st->sym_keep));
	if (!st->sym_map || !st->sym_keep)
		return -ENOMEM;
	for (size_t i = 1; i < st->nsym; i++) {
		if (!gelf_getsym(d, (int)i, &s))
			return -EINVAL;
		if (GELF_ST_TYPE(s.st_info) == STT_FILE)
			continue;
		if (s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE &&
		    (s.st_shndx >= st->nsec || !st->sec_map[s.st_shndx]))
			continue; /* in a dropped section */
		st->sym_keep[i] = true;
		st->sym_map[i] = next++;
	}
	return 0;
}

static void *keep_buf(struct strip *st, size_t size)
{
	void *b = calloc(1, size ? size : 1);
	void **v = b ? realloc(st->bufs, (st->nbufs + 1) * sizeof(*v)) : NULL;

	if (!v) {
		free(b);
		return NULL;
	}
	st->bufs = v;
	st->bufs[st->nbufs++] = b;
	return b;
}

/* The symbol table without the dropped symbols; *locals: how many local ones it starts with. */
static int new_symtab(struct strip *st, Elf_Data *in, Elf_Data *out, size_t *locals)
{
	size_t n = 1;
	GElf_Sym s;

	out->d_buf = keep_buf(st, (st->nsym ? st->nsym : 1) * sizeof(Elf64_Sym));
	if (!out->d_buf)
		return -ENOMEM;
	out->d_size = sizeof(Elf64_Sym);
	gelf_getsym(in, 0, &s);
	gelf_update_sym(out, 0, &s);
	*locals = 1;
	for (size_t i = 1; i < st->nsym; i++) {
		if (!st->sym_keep[i])
			continue;
		gelf_getsym(in, (int)i, &s);
		if (s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE)
			s.st_shndx = (Elf64_Section)st->sec_map[s.st_shndx];
		out->d_size += sizeof(Elf64_Sym);
		gelf_update_sym(out, (int)n++, &s);
		if (GELF_ST_BIND(s.st_info) == STB_LOCAL)
			*locals = n;
	}
	return 0;
}

/* Relocations with their symbol indexes renumbered; a relocation of a dropped symbol is an
 * error (clang never makes one: such symbols are referenced from DWARF only). */
static int new_rel(struct strip *st, const GElf_Shdr *sh, Elf_Data *in, Elf_Data *out)
{
	size_t n = sh->sh_entsize ? in->d_size / sh->sh_entsize : 0;

	out->d_buf = keep_buf(st, in->d_size);
	if (!out->d_buf)
		return -ENOMEM;
	out->d_size = in->d_size;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r = {0};
		GElf_Rel rel;
		size_t sym;

		if (sh->sh_type == SHT_REL ? !gelf_getrel(in, (int)i, &rel)
					   : !gelf_getrela(in, (int)i, &r))
			return -EINVAL;
		if (sh->sh_type == SHT_REL)
			r = (GElf_Rela){.r_offset = rel.r_offset, .r_info = rel.r_info};
		sym = GELF_R_SYM(r.r_info);
		if (sym >= st->nsym || (sym && !st->sym_keep[sym]))
			return -EINVAL;
		r.r_info = GELF_R_INFO(st->sym_map[sym], GELF_R_TYPE(r.r_info));
		rel = (GElf_Rel){.r_offset = r.r_offset, .r_info = r.r_info};
		if (sh->sh_type == SHT_REL ? !gelf_update_rel(out, (int)i, &rel)
					   : !gelf_update_rela(out, (int)i, &r))
			return -EINVAL;
	}
	return 0;
}

/* .llvm_addrsig: ULEB128 symbol indexes, renumbered; those of dropped symbols left out. */
static int new_addrsig(struct strip *st, Elf_Data *in, Elf_Data *out)
{
	const unsigned char *p = in->d_buf, *end = p + in->d_size;
	unsigned char *o = keep_buf(st, in->d_size + 16);

	if (!o)
		return -ENOMEM;
	out->d_buf = o;
	while (p < end) {
		uint64_t v = 0;
		unsigned int shift = 0;

		do {
			if (p == end || shift > 63)
				return -EINVAL;
			v |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		if (v >= st->nsym || !st->sym_keep[v])
			continue;
		v = st->sym_map[v];
		do {
			*o = v & 0x7f;
			v >>= 7;
			*o++ |= v ? 0x80 : 0;
		} while (v);
	}
	out->d_size = (size_t)(o - (unsigned char *)out->d_buf);
	return 0;
}

/*
 * The file offset of a section: at its alignment, and code at 8 bytes at least (instructions
 * are read in place, as 8-byte units; the checker refuses code that is not aligned so).
 */
static uint64_t place(struct strip *st, const GElf_Shdr *sh)
{
	uint64_t align = sh->sh_addralign ? sh->sh_addralign : 1, at;

	if ((sh->sh_flags & SHF_EXECINSTR) && align < 8)
		align = 8;
	at = (st->off + align - 1) / align * align;
	if (sh->sh_type != SHT_NOBITS)
		st->off = at + sh->sh_size;
	return at;
}

static int copy_section(struct strip *st, size_t i)
{
	Elf_Scn *from = elf_getscn(st->in, i), *to = elf_newscn(st->out);
	Elf_Data *in = elf_getdata(from, NULL), *out;
	size_t locals = 0;
	GElf_Shdr sh;
	int ret = 0;

	if (!to || !gelf_getshdr(from, &sh) || !(out = elf_newdata(to)))
		return -ENOMEM;
	if (in) {
		out->d_type = in->d_type;
		out->d_align = in->d_align;
		out->d_version = in->d_version;
		out->d_buf = in->d_buf;
		out->d_size = in->d_size;
	}
	if (sh.sh_type == SHT_SYMTAB && in)
		ret = new_symtab(st, in, out, &locals);
	else if ((sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) && in)
		ret = new_rel(st, &sh, in, out);
	else if (sh.sh_type == SHT_LLVM_ADDRSIG && in)
		ret = new_addrsig(st, in, out);
	if (ret)
		return ret;
	if (sh.sh_type == SHT_SYMTAB)
		sh.sh_info = (Elf64_Word)locals;
	else if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA)
		sh.sh_info = (Elf64_Word)st->sec_map[sh.sh_info];
	if (sh.sh_link && (sh.sh_link >= st->nsec || !st->sec_map[sh.sh_link]))
		return -EINVAL;
	sh.sh_link = (Elf64_Word)st->sec_map[sh.sh_link];
	sh.sh_size = out->d_size;
	sh.sh_offset = place(st, &sh);
	return gelf_update_shdr(to, &sh) ? 0 : -EINVAL;
}

static int write_out(struct strip *st, int fd)
{
	GElf_Ehdr eh, oh;
	size_t shstrndx;
	int ret = 0;

	st->out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!st->out || !gelf_getehdr(st->in, &eh) || elf_getshdrstrndx(st->in, &shstrndx) ||
	    !gelf_newehdr(st->out, gelf_getclass(st->in)) || !gelf_getehdr(st->out, &oh))
		return -EINVAL;
	memcpy(oh.e_ident, eh.e_ident, EI_NIDENT);
	oh.e_type = eh.e_type;
	oh.e_machine = eh.e_machine;
	oh.e_version = eh.e_version;
	oh.e_flags = eh.e_flags;
	if (shstrndx >= st->nsec || !st->sec_map[shstrndx])
		return -EINVAL;
	elf_flagelf(st->out, ELF_C_SET, ELF_F_LAYOUT);
	st->off = sizeof(Elf64_Ehdr);
	for (size_t i = 1; !ret && i < st->nsec; i++)
		if (st->sec_map[i])
			ret = copy_section(st, i);
	if (ret)
		return ret;
	oh.e_shstrndx = (Elf64_Half)st->sec_map[shstrndx];
	oh.e_shoff = (st->off + 7) / 8 * 8;
	oh.e_phoff = 0;
	if (!gelf_update_ehdr(st->out, &oh) || elf_update(st->out, ELF_C_WRITE) < 0)
		return -EINVAL;
	return 0;
}

/* The written ELF from @fd into *out. */
static int read_back(int fd, void **out, size_t *size)
{
	off_t len = lseek(fd, 0, SEEK_END);

	if (len <= 0)
		return -EIO;
	*out = malloc((size_t)len + 1);
	if (!*out)
		return -ENOMEM;
	if (pread(fd, *out, (size_t)len, 0) != len) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	*size = (size_t)len;
	return 0;
}

int compile_strip_debug(const void *obj, size_t size, void **out, size_t *out_size)
{
	struct strip st = {0};
	Elf_Data *symdata;
	int fd = -1, ret;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	st.in = elf_memory((char *)obj, size);
	if (!st.in || elf_kind(st.in) != ELF_K_ELF || gelf_getclass(st.in) != ELFCLASS64 ||
	    elf_getshdrnum(st.in, &st.nsec)) {
		ret = -EINVAL;
		goto done;
	}
	ret = map_sections(&st);
	symdata = ret ? NULL : elf_getdata(elf_getscn(st.in, st.symtab), NULL);
	if (!ret && !symdata)
		ret = -EINVAL;
	if (!ret)
		ret = map_symbols(&st, symdata);
	if (!ret && (fd = memfd_create("eucc-strip", MFD_CLOEXEC)) < 0)
		ret = -errno;
	if (!ret)
		ret = write_out(&st, fd);
	if (st.out)
		elf_end(st.out);
	if (!ret)
		ret = read_back(fd, out, out_size);
done:
	if (fd >= 0)
		close(fd);
	if (st.in)
		elf_end(st.in);
	for (size_t i = 0; i < st.nbufs; i++)
		free(st.bufs[i]);
	free(st.bufs);
	free(st.sec_map);
	free(st.sym_map);
	free(st.sym_keep);
	return ret;
}
