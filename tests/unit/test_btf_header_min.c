/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The header per program: every test program and example of the repository, compiled against
 * its own header and against the full vmlinux.h of the same kernel, has the same CO-RE
 * relocations (section, instruction, kind, type name, access string); the header is a small
 * part of the full one; what the scanner reads; names the BTF holds twice are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "btfhub.h"
#include "store_fixture.h"
#include "test_proc.h"
#include "core.h"
#include "btf_header_internal.h"
#include "obj_internal.h"

/* Header kernels: a 6.x kernel with its own BTF, and a 4.19 one made by pahole. */
static const char *const releases[] = {"6.12.100+deb12-cloud-amd64",
				       "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64"};

struct fixture {
	char dir[64];
	struct btf_store *store;
};

static int setup(void **state)
{
	static struct fixture fx;

	if (store_fixture_open(fx.dir, sizeof(fx.dir), "/tmp/eucc-minhdr", &fx.store))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	return store_fixture_close(fx->dir, fx->store);
}

#define CFLAGS "-target bpf -O2 -g -D__TARGET_ARCH_x86 -I" EUCC_SOURCE_DIR "/client/include"

/* The CO-RE relocations of @obj as text, one a line: section, offset, kind, type, access. */
static char *relocations(const char *obj)
{
	struct bpf_obj_view *v;
	struct eucc_error err;
	char *text = NULL;
	size_t len = 0, size;
	void *data;
	FILE *out;

	assert_int_equal(fs_read_file(obj, 1 << 26, &data, &size), 0);
	assert_int_equal(obj_view_open(data, size, &v, &err), 0);
	free(data);
	out = open_memstream(&text, &len);
	for (size_t i = 0; i < v->nrelos; i++) {
		const struct obj_relo *r = &v->relos[i];
		const struct btf_type *t = btf__type_by_id(v->btf, r->type_id);

		fprintf(out, "%s +%u kind %u kind %u %s '%s'\n", v->secs[r->sec].name, r->insn_off,
			r->kind, t ? btf_kind(t) : 0U,
			t ? btf__name_by_offset(v->btf, t->name_off) : "?",
			btf__name_by_offset(v->btf, r->access_str_off));
	}
	fclose(out);
	obj_view_free(v);
	return text;
}

/* The header for @src against @btf, written to DIR/min/vmlinux.h. */
static int write_min(struct fixture *fx, const struct btf *btf, const struct btf_header_dups *dups,
		     const char *src, struct btf_header_min_stats *stats, struct eucc_error *err)
{
	char path[PATH_MAX];
	struct btf_header_names *names;
	size_t len;
	char *text;
	FILE *out;
	int ret;

	assert_int_equal(test_run("%s " CFLAGS " -I%s/stub -E %s -o %s/pre.i", EUCC_CLANG, fx->dir,
				  src, fx->dir),
			 0);
	snprintf(path, sizeof(path), "%s/pre.i", fx->dir);
	assert_int_equal(fs_read_file(path, 1 << 26, (void **)&text, &len), 0);
	assert_int_equal(btf_header_names_scan(text, len, &names), 0);
	free(text);
	snprintf(path, sizeof(path), "%s/min/vmlinux.h", fx->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	ret = btf_header_write_min(btf, dups, names, out, stats, err);
	fclose(out);
	btf_header_names_free(names);
	return ret;
}

static long file_size(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? -1 : st.st_size;
}

/* One program against one kernel: both compile, with the same relocations; false if the
 * program gets no header of its own there, or does not compile against it (the server then
 * uses the full header's object). */
static bool compare_one(struct fixture *fx, const struct btf *btf,
			const struct btf_header_dups *dups, const char *src, const char *release)
{
	struct btf_header_min_stats stats;
	struct eucc_error err = {0};
	char fo[PATH_MAX], mo[PATH_MAX];
	char *full, *min;

	if (test_run("%s " CFLAGS
		     " -I%s/full -include-pch %s/full/vmlinux.h.pch -c %s -o %s/full.o "
		     "2>/dev/null",
		     EUCC_CLANG, fx->dir, fx->dir, src, fx->dir)) {
		printf("  %-40s %s: does not compile against the full header\n",
		       strrchr(src, '/') + 1, release);
		return false;
	}
	if (write_min(fx, btf, dups, src, &stats, &err)) {
		/* a header the full one names otherwise: refused, and the full one used */
		assert_int_equal(err.code, EUCC_E_CONFLICT);
		printf("  %-40s %s: refused: %s\n", strrchr(src, '/') + 1, release, err.message);
		return false;
	}
	if (test_run("%s " CFLAGS " -I%s/min -c %s -o %s/min.o 2>/dev/null", EUCC_CLANG, fx->dir,
		     src, fx->dir)) {
		/* the server falls back to the full header: its object is the full one's */
		printf("  %-40s %s: falls back to the full header\n", strrchr(src, '/') + 1,
		       release);
		return false;
	}
	snprintf(fo, sizeof(fo), "%s/full.o", fx->dir);
	snprintf(mo, sizeof(mo), "%s/min.o", fx->dir);
	full = relocations(fo);
	min = relocations(mo);
	if (strcmp(full, min))
		fail_msg("%s on %s: the relocations differ\nfull header:\n%s\nown header:\n%s", src,
			 release, full, min);
	printf("  %-40s %s: %zu B relocation lines, header %ld B (%u types named, %u defined, "
	       "%u declared)\n",
	       strrchr(src, '/') + 1, release, strlen(full), file_size(fx->dir, "min/vmlinux.h"),
	       stats.roots, stats.defined, stats.declared);
	free(full);
	free(min);
	return true;
}

/* The full vmlinux.h of @release in DIR/full, precompiled; the stub in DIR/stub. */
static void prepare_kernel(struct fixture *fx, const char *release, struct btf **btf)
{
	struct eucc_error err;
	struct btf_kernel k;
	char header[PATH_MAX];

	assert_int_equal(btf_store_get(fx->store, release, NULL, &k, &err), 0);
	assert_int_equal(btf_store_load(fx->store, &k, btf, &err), 0);
	assert_int_equal(btf_store_header(fx->store, &k, header, sizeof(header), &err), 0);
	assert_int_equal(
	    test_run("mkdir -p %s/full %s/min %s/stub && ln -sf %s %s/full/vmlinux.h && "
		     "printf '#ifndef __VMLINUX_H__\\n#define __VMLINUX_H__\\n#endif\\n' "
		     ">%s/stub/vmlinux.h",
		     fx->dir, fx->dir, fx->dir, header, fx->dir, fx->dir),
	    0);
	assert_int_equal(test_run("%s -target bpf -O2 -g -D__TARGET_ARCH_x86 -x c-header "
				  "%s/full/vmlinux.h -o %s/full/vmlinux.h.pch",
				  EUCC_CLANG, fx->dir, fx->dir),
			 0);
}

static void test_same_relocations(void **state)
{
	static const char *const patterns[] = {EUCC_SOURCE_DIR "/tests/data/*/*.bpf.c",
					       EUCC_SOURCE_DIR "/examples/*.bpf.c"};
	struct fixture *fx = *state;
	glob_t g = {0};

	for (size_t i = 0; i < 2; i++)
		assert_int_equal(glob(patterns[i], i ? GLOB_APPEND : 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 20);
	for (size_t r = 0; r < sizeof(releases) / sizeof(releases[0]); r++) {
		struct btf_header_dups *dups;
		struct btf *btf;

		prepare_kernel(fx, releases[r], &btf);
		assert_int_equal(btf_header_dups_new(btf, &dups), 0);
		for (size_t i = 0; i < g.gl_pathc; i++) {
			bool own = compare_one(fx, btf, dups, g.gl_pathv[i], releases[r]);

			/* 6.x: every program compiles against a header of its own, but the one
			 * that reads a whole record without naming a member */
			if (r == 0)
				assert_int_equal(own, !strstr(g.gl_pathv[i], "/deref.bpf.c"));
		}
		btf_header_dups_free(dups);
		btf__free(btf);
	}
	globfree(&g);
}

static struct btf_header_names *scan(const char *text)
{
	struct btf_header_names *n;

	assert_int_equal(btf_header_names_scan(text, strlen(text), &n), 0);
	return n;
}

#define TAG(kind, use) NAME_TAG_BITS(NAME_TAG_##kind, NAME_USE_##use)

static void test_scanner(void **state)
{
	struct btf_header_names *n =
	    scan("# 1 \"x.c\"\n#pragma once\n"
		 "struct task_struct *t; struct event { int x; };\n"
		 "union u v; enum bpf_map_type m = BPF_MAP_TYPE_HASH;\n"
		 "int f(void) { return t->mm->pgd + v.field + sizeof(struct "
		 "rq); /* struct hidden */ }\n"
		 "const char *s = \"struct quoted ->q\"; double d = 1.5e+3f;\n");

	(void)state;
	assert_int_equal(name_set_get(&n->tags, "task_struct"), TAG(STRUCT, PTR));
	assert_int_equal(name_set_get(&n->tags, "event"), TAG(STRUCT, DEFINED));
	assert_int_equal(name_set_get(&n->tags, "u"), TAG(UNION, VALUE));
	assert_int_equal(name_set_get(&n->tags, "bpf_map_type"), TAG(ENUM, VALUE));
	assert_int_equal(name_set_get(&n->tags, "rq"), TAG(STRUCT, VALUE));
	assert_int_equal(name_set_get(&n->tags, "hidden"), -1);
	assert_int_equal(name_set_get(&n->tags, "quoted"), -1);
	assert_true(name_set_get(&n->members, "mm") >= 0);
	assert_true(name_set_get(&n->members, "pgd") >= 0);
	assert_true(name_set_get(&n->members, "field") >= 0);
	assert_int_equal(name_set_get(&n->members, "q"), -1);
	assert_int_equal(name_set_get(&n->members, "t"), -1);
	assert_true(name_set_get(&n->idents, "BPF_MAP_TYPE_HASH") >= 0);
	assert_true(name_set_get(&n->idents, "t") >= 0);
	assert_int_equal(name_set_get(&n->idents, "once"), -1);
	assert_int_equal(name_set_get(&n->idents, "e"), -1);
	assert_int_equal(name_set_get(&n->idents, "struct"), -1);
	btf_header_names_free(n);
}

/* The header of @text against @release: 0 and *out, or the writer's error. */
static int header_of(struct fixture *fx, const char *release, const char *text, char **out,
		     struct eucc_error *err)
{
	struct btf_header_dups *dups;
	struct btf_header_names *n = scan(text);
	struct btf_kernel k;
	struct btf *btf;
	size_t len = 0;
	FILE *mem;
	int ret;

	assert_int_equal(btf_store_get(fx->store, release, NULL, &k, err), 0);
	assert_int_equal(btf_store_load(fx->store, &k, &btf, err), 0);
	assert_int_equal(btf_header_dups_new(btf, &dups), 0);
	*out = NULL;
	mem = open_memstream(out, &len);
	ret = btf_header_write_min(btf, dups, n, mem, NULL, err);
	fclose(mem);
	btf_header_names_free(n);
	btf_header_dups_free(dups);
	btf__free(btf);
	return ret;
}

/* What goes in: the named types and the records followed through pointers, not the rest;
 * UAPI constants only when named; a name the full header suffixes is refused. */
static void test_contents(void **state)
{
	struct fixture *fx = *state;
	struct eucc_error err = {0};
	char *text;

	assert_int_equal(header_of(fx, releases[0],
				   "struct task_struct *t; struct file *f; u8 b;"
				   "int x = t->mm->map_count + BPF_ANY;",
				   &text, &err),
			 0);
	assert_non_null(strstr(text, "#pragma clang attribute push (__attribute__((preserve_"));
	assert_non_null(strstr(text, "struct task_struct {"));
	assert_non_null(strstr(text, "struct mm_struct {"));
	assert_non_null(strstr(text, "\nstruct file;"));
	assert_null(strstr(text, "struct file {"));
	assert_non_null(strstr(text, "BPF_ANY = 0,"));	   /* enum bpf_map_update flags */
	assert_non_null(strstr(text, "typedef __u8 u8;")); /* the plain one of two */
	assert_null(strstr(text, "u8___2"));
	assert_true(strlen(text) < 200000);
	free(text);

	/* 4.19's BTF lacks the UAPI constants: only the named one is completed. */
	assert_int_equal(header_of(fx, releases[1], "int x = BPF_ANY;", &text, &err), 0);
	assert_non_null(strstr(text, "enum { BPF_ANY = 0ULL };"));
	assert_null(strstr(text, "BPF_F_CURRENT_CPU"));
	free(text);

	/* 4.19's pahole-made BTF has two struct seq_operations; seq_file points to the one the
	 * full header prints seq_operations___2: refused, as is an enumerator held twice */
	assert_int_equal(header_of(fx, releases[1], "struct seq_file f;", &text, &err), -EAGAIN);
	assert_int_equal(err.code, EUCC_E_CONFLICT);
	assert_non_null(strstr(err.message, "'seq_operations'"));
	free(text);
	assert_int_equal(header_of(fx, releases[1], "int x = RES_USAGE;", &text, &err), -EAGAIN);
	assert_non_null(strstr(err.message, "'RES_USAGE'"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scanner),
	    cmocka_unit_test(test_contents),
	    cmocka_unit_test(test_same_relocations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
