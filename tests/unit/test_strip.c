/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DWARF strip in memory (compile_strip.c) against `llvm-strip -g`: every test program and
 * example, compiled by clang against a fixture kernel's vmlinux.h, gives the same sections
 * (names, types, flags, alignment, contents but for the string and symbol tables), the same
 * symbols, relocations and address-significance list, and an object libbpf opens. Anything
 * that is not an ELF object is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <cmocka.h>

#include "compile_internal.h"
#include "store_fixture.h"
#include "test_proc.h"

#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif

struct fixture {
	char dir[64];
	struct btf_store *store;
};

static int setup(void **state)
{
	static struct fixture fx;

	if (store_fixture_open(fx.dir, sizeof(fx.dir), "/tmp/eucc-strip", &fx.store))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	return store_fixture_close(fx->dir, fx->store);
}

static const char *sec_name(Elf *e, size_t shstrndx, size_t i)
{
	GElf_Shdr sh;

	if (i == 0 || i >= SHN_LORESERVE)
		return i ? "<special>" : "<none>";
	if (!gelf_getshdr(elf_getscn(e, i), &sh))
		return "<bad>";
	return elf_strptr(e, shstrndx, sh.sh_name);
}

static void dump_symbols(FILE *out, Elf *e, size_t shstrndx, Elf_Data *d, size_t strndx)
{
	GElf_Sym s;

	for (int i = 0; gelf_getsym(d, i, &s); i++)
		fprintf(out, "  sym %s value %llu size %llu info %u other %u in %s\n",
			elf_strptr(e, strndx, s.st_name), (unsigned long long)s.st_value,
			(unsigned long long)s.st_size, s.st_info, s.st_other,
			sec_name(e, shstrndx, s.st_shndx));
}

/* The name of symbol @i of the symbol table at section @symtab. */
static const char *sym_name(Elf *e, size_t symtab, size_t i)
{
	Elf_Scn *scn = elf_getscn(e, symtab);
	GElf_Shdr sh;
	GElf_Sym s;

	if (!scn || !gelf_getshdr(scn, &sh) || !gelf_getsym(elf_getdata(scn, NULL), (int)i, &s))
		return "<bad>";
	return elf_strptr(e, sh.sh_link, s.st_name);
}

static void dump_rels(FILE *out, Elf *e, const GElf_Shdr *sh, Elf_Data *d)
{
	GElf_Rel r;

	for (int i = 0; gelf_getrel(d, i, &r); i++)
		fprintf(out, "  rel +%llu type %llu sym %s\n", (unsigned long long)r.r_offset,
			(unsigned long long)GELF_R_TYPE(r.r_info),
			sym_name(e, sh->sh_link, GELF_R_SYM(r.r_info)));
}

static void dump_addrsig(FILE *out, Elf *e, const GElf_Shdr *sh, Elf_Data *d)
{
	const unsigned char *p = d->d_buf, *end = p + d->d_size;

	while (p < end) {
		uint64_t v = 0;
		unsigned int shift = 0;

		do {
			v |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80 && p < end);
		fprintf(out, "  addrsig %s\n", sym_name(e, sh->sh_link, v));
	}
}

/* The names of @obj's address-significant symbols, one a line. */
static char *addrsig_names(const void *obj, size_t size)
{
	Elf *e = elf_memory((char *)obj, size);
	char *text = NULL;
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len);

	assert_int_equal(elf_getshdrnum(e, &n), 0);
	for (size_t i = 1; i < n; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_LLVM_ADDRSIG)
			dump_addrsig(out, e, &sh, elf_getdata(scn, NULL));
	}
	fclose(out);
	elf_end(e);
	return text;
}

/*
 * What of @obj must be the same after either strip, as text. Not .llvm_addrsig's contents:
 * llvm-strip leaves the old symbol indexes in it (they point past its new symbol table), so
 * ours is compared with the unstripped object's instead (addrsig_names).
 */
static char *describe(const void *obj, size_t size)
{
	Elf *e = elf_memory((char *)obj, size);
	size_t shstrndx, n;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(e);
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	assert_int_equal(elf_getshdrnum(e, &n), 0);
	for (size_t i = 1; i < n; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		fprintf(out, "section %s type %u flags %llu align %llu entsize %llu",
			sec_name(e, shstrndx, i), sh.sh_type, (unsigned long long)sh.sh_flags,
			(unsigned long long)sh.sh_addralign, (unsigned long long)sh.sh_entsize);
		if (sh.sh_type != SHT_LLVM_ADDRSIG) /* llvm-strip leaves its link 0 */
			fprintf(out, " link %s", sec_name(e, shstrndx, sh.sh_link));
		if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA)
			fprintf(out, " for %s", sec_name(e, shstrndx, sh.sh_info));
		fprintf(out, "\n");
		if (sh.sh_type == SHT_SYMTAB && d) {
			fprintf(out, "  locals %u\n", sh.sh_info);
			dump_symbols(out, e, shstrndx, d, sh.sh_link);
		} else if (sh.sh_type == SHT_REL && d) {
			dump_rels(out, e, &sh, d);
		} else if (sh.sh_type == SHT_LLVM_ADDRSIG) {
			fprintf(out, "  address-significance list\n");
		} else if (sh.sh_type == SHT_STRTAB) {
			/* ours keeps the names of the dropped sections: compared through its users
			 */
			fprintf(out, "  string table\n");
		} else if (sh.sh_type != SHT_STRTAB && sh.sh_type != SHT_NOBITS && d) {
			fprintf(out, "  %zu bytes:", d->d_size);
			for (size_t b = 0; b < d->d_size; b++)
				fprintf(out, "%02x", ((unsigned char *)d->d_buf)[b]);
			fprintf(out, "\n");
		} else {
			fprintf(out, "  size %llu\n", (unsigned long long)sh.sh_size);
		}
	}
	fclose(out);
	elf_end(e);
	return text;
}

static void *read_all(const char *path, size_t *size)
{
	void *data;

	assert_int_equal(fs_read_file(path, 1 << 26, &data, size), 0);
	return data;
}

/* Every section of @obj at its alignment in the file, code at 8 bytes (read in place). */
static void check_layout(const char *src, const void *obj, size_t size)
{
	Elf *e = elf_memory((char *)obj, size);
	size_t n;

	assert_int_equal(elf_getshdrnum(e, &n), 0);
	for (size_t i = 1; i < n; i++) {
		GElf_Shdr sh;
		uint64_t align;

		assert_non_null(gelf_getshdr(elf_getscn(e, i), &sh));
		align = sh.sh_addralign ? sh.sh_addralign : 1;
		if ((sh.sh_flags & SHF_EXECINSTR) && align < 8)
			align = 8;
		if (sh.sh_offset % align ||
		    (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > size))
			fail_msg("%s: section %zu at offset %llu (size %llu, align %llu)", src, i,
				 (unsigned long long)sh.sh_offset, (unsigned long long)sh.sh_size,
				 (unsigned long long)align);
	}
	elf_end(e);
}

/* Print the diff of two descriptions (cmocka cuts long messages). */
static void differ(struct fixture *fx, const char *mine, const char *theirs)
{
	char a[PATH_MAX], b[PATH_MAX];
	FILE *f;

	snprintf(a, sizeof(a), "%s/mine.txt", fx->dir);
	snprintf(b, sizeof(b), "%s/theirs.txt", fx->dir);
	f = fopen(a, "w");
	fputs(mine, f);
	fclose(f);
	f = fopen(b, "w");
	fputs(theirs, f);
	fclose(f);
	test_run("diff %s %s | cut -c1-200 | head -40", b, a);
}

/* One program: ours against llvm-strip's; false if it does not compile here. */
static bool compare_one(struct fixture *fx, const char *src)
{
	char obj[PATH_MAX], ref[PATH_MAX];
	void *raw, *mine, *theirs;
	size_t raw_size, mine_size, theirs_size;
	struct bpf_object *bo;
	char *a, *b;

	snprintf(obj, sizeof(obj), "%s/raw.o", fx->dir);
	snprintf(ref, sizeof(ref), "%s/ref.o", fx->dir);
	if (test_run("%s -target bpf -O2 -g -D__TARGET_ARCH_x86 -I%s/inc -I" EUCC_SOURCE_DIR
		     "/client/include -include-pch %s/inc/vmlinux.h.pch -c %s -o %s 2>/dev/null",
		     EUCC_CLANG, fx->dir, fx->dir, src, obj))
		return false;
	assert_int_equal(test_run("%s -g %s -o %s", EUCC_LLVM_STRIP, obj, ref), 0);
	raw = read_all(obj, &raw_size);
	theirs = read_all(ref, &theirs_size);
	assert_int_equal(compile_strip_debug(raw, raw_size, &mine, &mine_size), 0);
	a = describe(mine, mine_size);
	b = describe(theirs, theirs_size);
	if (strcmp(a, b)) {
		differ(fx, a, b);
		fail_msg("%s: the objects differ (above: the diff, llvm-strip's -, ours +)", src);
	}
	free(a);
	free(b);
	a = addrsig_names(mine, mine_size);
	b = addrsig_names(raw, raw_size);
	if (strcmp(a, b))
		fail_msg("%s: address-significant symbols differ\nin memory:\n%s\nclang's:\n%s",
			 src, a, b);
	assert_null(strstr(a, ".debug_"));
	check_layout(src, mine, mine_size);
	bo = bpf_object__open_mem(mine, mine_size, NULL);
	assert_non_null(bo);
	assert_int_equal(libbpf_get_error(bo), 0);
	bpf_object__close(bo);
	printf("  %-40s %zu -> %zu B (llvm-strip: %zu B)\n", strrchr(src, '/') + 1, raw_size,
	       mine_size, theirs_size);
	free(a);
	free(b);
	free(raw);
	free(mine);
	free(theirs);
	return true;
}

static void test_same_as_llvm_strip(void **state)
{
	static const char *const patterns[] = {EUCC_SOURCE_DIR "/tests/data/*/*.bpf.c",
					       EUCC_SOURCE_DIR "/examples/*.bpf.c"};
	struct fixture *fx = *state;
	struct eucc_error err = {0};
	char header[PATH_MAX];
	struct btf_kernel k;
	size_t compiled = 0;
	glob_t g = {0};

	assert_int_equal(btf_store_get(fx->store, "6.12.100+deb12-cloud-amd64", NULL, &k, &err), 0);
	assert_int_equal(btf_store_header(fx->store, &k, header, sizeof(header), &err), 0);
	assert_int_equal(
	    test_run("mkdir -p %s/inc && ln -sf %s %s/inc/vmlinux.h && %s -target bpf -O2 "
		     "-g -D__TARGET_ARCH_x86 -x c-header %s/inc/vmlinux.h -o "
		     "%s/inc/vmlinux.h.pch",
		     fx->dir, header, fx->dir, EUCC_CLANG, fx->dir, fx->dir),
	    0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(glob(patterns[i], i ? GLOB_APPEND : 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++)
		compiled += compare_one(fx, g.gl_pathv[i]);
	printf("%zu of %zu programs compared\n", compiled, g.gl_pathc);
	assert_true(compiled >= 40);
	globfree(&g);
}

static void test_refused(void **state)
{
	static const char junk[] = "\177ELF but not really an object at all, just text";
	void *out = (void *)1;
	size_t size;

	(void)state;
	assert_int_equal(compile_strip_debug(junk, sizeof(junk), &out, &size), -EINVAL);
	assert_null(out);
	assert_int_equal(compile_strip_debug("", 0, &out, &size), -EINVAL);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_same_as_llvm_strip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
