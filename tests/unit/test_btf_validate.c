/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BTF validator on hand-made hostile BTF (cycles, ids, offsets, vlen, sizes, sections), each
 * refused with a message that says what is wrong; hand-made good BTF (self-referencing lists,
 * typedef'd records, big-endian) accepted and dumped; and the store around it: hostile BTF is
 * never indexed, a kernel whose vmlinux.h cannot be written is never indexed, and BTF that was
 * stored before the full check is refused when read, not followed into a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cmocka.h>
#include <linux/btf.h>

#include "btfhub.h"

/* ---- a BTF builder ---------------------------------------------------------------------- */

struct bb {
	uint8_t types[16384];
	size_t tlen;
	char strs[1024];
	size_t slen;
	uint32_t ntypes;
	bool be;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->slen = 1; /* the empty string */
}

static void put32(uint8_t *p, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void bb_u32(struct bb *b, uint32_t v)
{
	assert_true(b->tlen + 4 <= sizeof(b->types));
	put32(b->types + b->tlen, v, b->be);
	b->tlen += 4;
}

static uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t off = (uint32_t)b->slen;

	assert_true(b->slen + strlen(s) + 1 <= sizeof(b->strs));
	memcpy(b->strs + b->slen, s, strlen(s) + 1);
	b->slen += strlen(s) + 1;
	return off;
}

/* A record; its entries follow with bb_u32. Returns its id. */
static uint32_t bb_type(struct bb *b, const char *name, unsigned int kind, unsigned int vlen,
			bool kflag, uint32_t size_type)
{
	bb_u32(b, name ? bb_str(b, name) : 0);
	bb_u32(b, (kflag ? 1u << 31 : 0) | kind << 24 | vlen);
	bb_u32(b, size_type);
	return ++b->ntypes;
}

static uint32_t bb_int(struct bb *b, const char *name, uint32_t size)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, false, size);

	bb_u32(b, BTF_INT_SIGNED << 24 | size * 8);
	return id;
}

static void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t bit_off)
{
	bb_u32(b, name ? bb_str(b, name) : 0);
	bb_u32(b, type);
	bb_u32(b, bit_off);
}

/* Header + types + strings into @out; returns the size. */
static size_t bb_build(const struct bb *b, uint8_t *out, size_t size)
{
	size_t total = 24 + b->tlen + b->slen;

	assert_true(total <= size);
	out[0] = b->be ? 0xeb : 0x9f;
	out[1] = b->be ? 0x9f : 0xeb;
	out[2] = 1;
	out[3] = 0;
	put32(out + 4, 24, b->be);
	put32(out + 8, 0, b->be);
	put32(out + 12, (uint32_t)b->tlen, b->be);
	put32(out + 16, (uint32_t)b->tlen, b->be);
	put32(out + 20, (uint32_t)b->slen, b->be);
	memcpy(out + 24, b->types, b->tlen);
	memcpy(out + 24 + b->tlen, b->strs, b->slen);
	return total;
}

static uint8_t buf[32768];

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not mention \"%s\"", haystack, needle);
}

/* @b must be refused, with @msg in the message and code bad_input. */
static void refused(const struct bb *b, const char *msg)
{
	struct eucc_error err = {0};
	size_t n = bb_build(b, buf, sizeof(buf));

	assert_int_equal(btf_source_validate(buf, n, &err), -EINVAL);
	assert_string_equal(eucc_code_name(err.code), "bad_input");
	assert_contains(err.message, msg);
	assert_true(err.hint[0] != '\0');
	/* without an error to fill, the same answer */
	assert_int_equal(btf_source_validate(buf, n, NULL), -EINVAL);
}

static void accepted(const struct bb *b)
{
	struct eucc_error err = {0};
	size_t n = bb_build(b, buf, sizeof(buf));
	struct btf *btf;

	if (btf_source_validate(buf, n, &err))
		fail_msg("refused: %s", err.message);
	btf = btf__new(buf, (uint32_t)n);
	assert_non_null(btf);
	btf__free(btf);
}

/* ---- hostile BTF ------------------------------------------------------------------------ */

static void test_cycles(void **state)
{
	struct bb b;
	uint32_t s;

	(void)state;
	/* 1 -> 2 -> 1 through two typedefs: the 52-byte crash */
	bb_init(&b);
	bb_type(&b, "a", BTF_KIND_TYPEDEF, 0, false, 2);
	bb_type(&b, "b", BTF_KIND_TYPEDEF, 0, false, 1);
	refused(&b, "a cycle of types that no pointer to a named struct or union breaks: [1] "
		    "typedef 'a' -> [2] typedef 'b' -> [1] typedef 'a'");

	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_CONST, 0, false, 2);
	bb_type(&b, NULL, BTF_KIND_VOLATILE, 0, false, 1);
	refused(&b, "[1] const -> [2] volatile -> [1] const");

	/* a struct that holds itself by value */
	bb_init(&b);
	s = bb_type(&b, "s", BTF_KIND_STRUCT, 1, false, 8);
	bb_member(&b, "self", s, 0);
	refused(&b, "[1] struct 's' -> [1] struct 's'");

	/* pointers to pointers, and a pointer to an anonymous struct (C cannot name it) */
	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 2);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 1);
	refused(&b, "[1] ptr -> [2] ptr -> [1] ptr");
	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_STRUCT, 1, false, 8);
	bb_member(&b, "next", 2, 0);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 1);
	refused(&b, "[1] struct -> [2] ptr -> [1] struct");

	/* a function type that takes itself */
	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 1, false, 0);
	bb_u32(&b, 0);
	bb_u32(&b, 2);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 1);
	refused(&b, "[1] func_proto -> [2] ptr -> [1] func_proto");
}

static void test_chain_depth(void **state)
{
	struct bb b;
	uint32_t i;

	(void)state;
	bb_init(&b);
	bb_int(&b, "int", 4);
	for (i = 0; i < 300; i++)
		bb_type(&b, NULL, BTF_KIND_CONST, 0, false, i + 1);
	refused(&b, "a chain of more than 256 types below it");
	bb_init(&b);
	bb_int(&b, "int", 4);
	for (i = 0; i < 200; i++)
		bb_type(&b, NULL, BTF_KIND_CONST, 0, false, i + 1);
	accepted(&b);
}

static void test_ids_and_strings(void **state)
{
	struct bb b;

	(void)state;
	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 99);
	refused(&b, "type [1] ptr: its type is type [99], but there are only 1 types");

	bb_init(&b);
	bb_u32(&b, 1000); /* name_off */
	bb_u32(&b, BTF_KIND_TYPEDEF << 24);
	bb_u32(&b, 0);
	b.ntypes = 1;
	refused(&b, "name at string offset 1000: the string section has 1 bytes");

	bb_init(&b);
	bb_type(&b, "not an identifier", BTF_KIND_TYPEDEF, 0, false, 0);
	refused(&b, "name \"not an identifier\" is not a C identifier");

	bb_init(&b);
	bb_type(&b, "f", BTF_KIND_FUNC, 0, false, 0);
	refused(&b, "type [1] func 'f': its type [0] is not a func_proto");

	bb_init(&b);
	bb_int(&b, "int", 4);
	bb_type(&b, "v", BTF_KIND_VAR, 0, false, 1);
	bb_u32(&b, 1);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 2);
	refused(&b, "type [3] ptr: its type is type [2], a var, not a type");
}

static void test_records(void **state)
{
	struct bb b;
	uint32_t n;

	(void)state;
	/* vlen 100, no members after it */
	bb_init(&b);
	bb_type(&b, "s", BTF_KIND_STRUCT, 100, false, 8);
	refused(&b, "type [1] at offset 0: vlen 100 needs 1200 bytes, the type section has 0 left");

	bb_init(&b);
	bb_type(&b, NULL, 25, 0, false, 0);
	refused(&b, "type [1] at offset 0 has unknown kind 25");

	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 0);
	bb_u32(&b, 0); /* 4 stray bytes: not a whole record */
	refused(&b, "type [2] at offset 12 is cut short by the end of the type section");

	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 3, false, 0);
	refused(&b, "vlen 3 on a kind that has no entries");

	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, true, 0);
	refused(&b, "the kind flag is set on a kind that has none");

	bb_init(&b);
	n = bb_type(&b, "int", BTF_KIND_INT, 0, false, 3);
	bb_u32(&b, 24);
	(void)n;
	refused(&b, "size 3 (an int has 1, 2, 4, 8 or 16 bytes)");
}

static void test_sizes(void **state)
{
	struct bb b;
	uint32_t i8, arr, fwd;

	(void)state;
	bb_init(&b);
	i8 = bb_int(&b, "long", 8);
	bb_type(&b, "s", BTF_KIND_STRUCT, 1, false, 4);
	bb_member(&b, "x", i8, 0);
	refused(&b, "member 0 (at bit 0, 64 bits) ends past the 4 bytes of its struct");

	bb_init(&b);
	i8 = bb_int(&b, "int", 4);
	arr = bb_type(&b, NULL, BTF_KIND_ARRAY, 0, false, 0);
	bb_u32(&b, i8);
	bb_u32(&b, i8);
	bb_u32(&b, 1u << 31);
	(void)arr;
	refused(&b, "2147483648 elements of 4 bytes: larger than 4 GiB");

	bb_init(&b);
	fwd = bb_type(&b, "later", BTF_KIND_FWD, 0, false, 0);
	bb_type(&b, "s", BTF_KIND_STRUCT, 1, false, 8);
	bb_member(&b, "x", fwd, 0);
	refused(&b, "member 0 is type [1], an incomplete (forward-declared) type");
}

/* Small BTF that would make libbpf's dumper write gigabytes of vmlinux.h. */
static void test_header_size(void **state)
{
	struct bb b;
	uint32_t i4, prev, size = 8;

	(void)state;
	/* a hole of 1 GiB: a padding line per 8 bytes */
	bb_init(&b);
	i4 = bb_int(&b, "int", 4);
	bb_type(&b, "s", BTF_KIND_STRUCT, 1, false, 1u << 30);
	bb_member(&b, "x", i4, 0);
	refused(&b,
		"its vmlinux.h would run to about 134217730 lines, more than the 65536 allowed");
	/* a hole of 64 KiB, as real kernels have (swsusp_info) */
	bb_init(&b);
	i4 = bb_int(&b, "int", 4);
	bb_type(&b, "s", BTF_KIND_STRUCT, 1, false, 65536);
	bb_member(&b, "x", i4, 0);
	accepted(&b);

	/* anonymous records, each holding four of the one below: written out 4^12 times */
	bb_init(&b);
	i4 = bb_int(&b, "int", 4);
	prev = bb_type(&b, NULL, BTF_KIND_STRUCT, 2, false, size);
	bb_member(&b, "x", i4, 0);
	bb_member(&b, "y", i4, 32);
	for (int level = 0; level < 12; level++) {
		uint32_t id = bb_type(&b, NULL, BTF_KIND_STRUCT, 4, false, size * 4);

		for (uint32_t m = 0; m < 4; m++)
			bb_member(&b, (const char *[]){"a", "b", "c", "d"}[m], prev, m * size * 8);
		prev = id, size *= 4;
	}
	bb_type(&b, "top", BTF_KIND_STRUCT, 1, false, size);
	bb_member(&b, "all", prev, 0);
	refused(&b, "its vmlinux.h would run to about");
}

static void test_sections(void **state)
{
	struct eucc_error err = {0};
	struct bb b;
	size_t n, soff;

	(void)state;
	bb_init(&b);
	bb_int(&b, "int", 4);
	n = bb_build(&b, buf, sizeof(buf));
	assert_int_equal(btf_source_validate(buf, n - 3, &err), -EINVAL);
	assert_contains(err.message, "truncated BTF: header says");

	n = bb_build(&b, buf, sizeof(buf));
	buf[n - 1] = 'x'; /* the strings do not end with NUL */
	assert_int_equal(btf_source_validate(buf, n, &err), -EINVAL);
	assert_contains(err.message, "does not start and end with a NUL byte");

	n = bb_build(&b, buf, sizeof(buf));
	buf[16] = 4; /* strings start inside the types */
	assert_int_equal(btf_source_validate(buf, n, &err), -EINVAL);
	assert_contains(err.message, "overlap");

	/* libbpf wants the types first: strings first would pass here and fail there */
	soff = (b.slen + 3) & ~(size_t)3;
	bb_build(&b, buf + 4096, sizeof(buf) - 4096); /* the parts, taken from a copy */
	memcpy(buf, buf + 4096, 24);
	put32(buf + 8, (uint32_t)soff, false);
	put32(buf + 16, 0, false);
	memset(buf + 24, 0, soff);
	memcpy(buf + 24, buf + 4096 + 24 + b.tlen, b.slen);
	memcpy(buf + 24 + soff, buf + 4096 + 24, b.tlen);
	assert_int_equal(btf_source_validate(buf, 24 + soff + b.tlen, &err), -EINVAL);
	assert_contains(err.message, "the string section (at 0) comes before the type section");

	n = bb_build(&b, buf, sizeof(buf));
	buf[3] = 1;
	assert_int_equal(btf_source_validate(buf, n, &err), -EINVAL);
	assert_contains(err.message, "header flags");

	/* a longer header: libbpf reads it only in its own byte order */
	n = bb_build(&b, buf + 4096, sizeof(buf) - 4096);
	memcpy(buf, buf + 4096, 24);
	buf[4] = 28;
	memset(buf + 24, 0, 4);
	memcpy(buf + 28, buf + 4096 + 24, n - 24);
	assert_int_equal(btf_source_validate(buf, n + 4, &err), -EINVAL);
	assert_contains(err.message, "a header of 28 bytes: version 1 has 24");
}

/* ---- good BTF --------------------------------------------------------------------------- */

/* struct list_head { struct list_head *next, *prev; }; typedef struct foo foo_t;
 * struct foo { const foo_t *next; int x; void (*cb)(struct foo *); }; struct bar; */
static void good_btf(struct bb *b)
{
	uint32_t lh, p, i4, foo, td, c, pc, fp, pf, proto, ppro, fwd;

	lh = bb_type(b, "list_head", BTF_KIND_STRUCT, 2, false, 16);
	p = lh + 1;
	bb_member(b, "next", p, 0);
	bb_member(b, "prev", p, 64);
	bb_type(b, NULL, BTF_KIND_PTR, 0, false, lh);
	i4 = bb_int(b, "int", 4);
	bb_int(b, "long int", 8);
	foo = bb_type(b, "foo", BTF_KIND_STRUCT, 3, false, 24);
	td = foo + 1, c = foo + 2, pc = foo + 3, pf = foo + 4, proto = foo + 5, ppro = foo + 6;
	bb_member(b, "next", pc, 0);
	bb_member(b, "x", i4, 64);
	bb_member(b, "cb", ppro, 128);
	bb_type(b, "foo_t", BTF_KIND_TYPEDEF, 0, false, foo);
	bb_type(b, NULL, BTF_KIND_CONST, 0, false, td);
	bb_type(b, NULL, BTF_KIND_PTR, 0, false, c);
	bb_type(b, NULL, BTF_KIND_PTR, 0, false, foo);
	bb_type(b, NULL, BTF_KIND_FUNC_PROTO, 1, false, 0);
	bb_u32(b, 0);
	bb_u32(b, pf);
	bb_type(b, NULL, BTF_KIND_PTR, 0, false, proto);
	fwd = bb_type(b, "bar", BTF_KIND_FWD, 0, false, 0);
	fp = bb_type(b, NULL, BTF_KIND_PTR, 0, false, fwd);
	bb_type(b, "bar_p", BTF_KIND_TYPEDEF, 0, false, fp);
}

static void test_good(void **state)
{
	struct bb b;
	char *text = NULL;
	size_t len = 0, n;
	struct btf *btf;
	FILE *f;

	(void)state;
	bb_init(&b);
	good_btf(&b);
	accepted(&b);
	n = bb_build(&b, buf, sizeof(buf));
	btf = btf__new(buf, (uint32_t)n);
	assert_non_null(btf);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(btf_header_write(btf, f, NULL), 0);
	fclose(f);
	btf__free(btf);
	assert_contains(text, "struct list_head *next;");
	assert_contains(text, "const foo_t *next;");
	assert_contains(text, "void (*cb)(struct foo *);");
	free(text);

	bb_init(&b);
	b.be = true;
	good_btf(&b);
	accepted(&b);
}

/* ---- the store -------------------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t kernel_count(struct btf_store *s)
{
	struct btf_kernel *ks = NULL;
	struct eucc_error err = {0};
	size_t n = 0;

	assert_int_equal(btf_store_match(s, NULL, NULL, &ks, &n, &err), 0);
	free(ks);
	return n;
}

static void sh(const char *cmd)
{
	if (system(cmd))
		fail_msg("failed: %s", cmd);
}

/* A kernel whose vmlinux.h cannot be written (file size limit) is not indexed. */
static void import_without_room(const char *dir, const char *path)
{
	struct btf_store *s;
	struct btf_import_opts o = {.sz = sizeof(o), .release = "5.10.0-9-amd64"};
	struct rlimit rl = {.rlim_cur = 1024, .rlim_max = 1024};
	struct eucc_error err = {0};
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) { /* a store of its own: no SQLite connection is used across fork */
		if (btf_store_open(dir, &s, &err))
			_exit(2);
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(btf_store_import(s, path, &o, NULL, &err) < 0 &&
			      strstr(err.message, "5.10.0-9-amd64: its vmlinux.h cannot be made")
			  ? 0
			  : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_store(void **state)
{
	struct btf_import_opts o = {.sz = sizeof(o), .release = "5.10.0-9-amd64"};
	char dir[64], path[128], header[PATH_MAX], cmd[256];
	struct eucc_error err = {0};
	struct btf_store *s;
	struct btf_kernel k;
	struct btf *btf;
	struct bb b;
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/eucc-validate-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(btf_store_open(dir, &s, &err), 0);
	snprintf(path, sizeof(path), "%s/cycle.btf", dir);
	bb_init(&b);
	bb_type(&b, "a", BTF_KIND_TYPEDEF, 0, false, 2);
	bb_type(&b, "b", BTF_KIND_TYPEDEF, 0, false, 1);
	n = bb_build(&b, buf, sizeof(buf));
	write_file(path, buf, n);
	assert_int_equal(btf_store_import(s, path, &o, NULL, &err), -EINVAL);
	assert_contains(err.message, "cycle.btf: invalid BTF: a cycle of types");
	assert_int_equal(kernel_count(s), 0);
	snprintf(cmd, sizeof(cmd), "test ! -e %s/btf || test -z \"$(find %s/btf -type f)\"", dir,
		 dir);
	sh(cmd);

	bb_init(&b);
	good_btf(&b);
	n = bb_build(&b, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/good.btf", dir);
	write_file(path, buf, n);
	import_without_room(dir, path);
	assert_int_equal(kernel_count(s), 0);
	sh(cmd);

	/* imported whole: its vmlinux.h is there at once */
	assert_int_equal(btf_store_import(s, path, &o, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, "5.10.0-9-amd64", NULL, &k, &err), 0);
	snprintf(header, sizeof(header), "%.*s.h", (int)strlen(k.path) - 4, k.path);
	assert_int_equal(access(header, R_OK), 0);

	/* A store from before the full check may hold a cycle: refused when read, no crash. */
	bb_init(&b);
	bb_type(&b, "a", BTF_KIND_TYPEDEF, 0, false, 2);
	bb_type(&b, "b", BTF_KIND_TYPEDEF, 0, false, 1);
	n = bb_build(&b, buf, sizeof(buf));
	write_file(k.path, buf, n);
	unlink(header);
	assert_int_equal(btf_store_header(s, &k, header, sizeof(header), &err), -EINVAL);
	assert_contains(err.message, "stored BTF of 5.10.0-9-amd64: invalid BTF: a cycle");
	assert_int_equal(btf_store_load(s, &k, &btf, &err), -EINVAL);
	assert_int_not_equal(access(header, F_OK), 0);

	btf_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cycles),	    cmocka_unit_test(test_chain_depth),
	    cmocka_unit_test(test_ids_and_strings), cmocka_unit_test(test_records),
	    cmocka_unit_test(test_sizes),	    cmocka_unit_test(test_header_size),
	    cmocka_unit_test(test_sections),	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
