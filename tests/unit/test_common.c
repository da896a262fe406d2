/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common.h"

/* One table: names are unique and map back; exit codes and statuses come from it. */
static void test_code_table(void **state)
{
	(void)state;
	for (int i = 0; i < EUCC_E_COUNT; i++) {
		assert_int_equal(eucc_code_from_name(eucc_code_name(i), EUCC_E_COUNT), i);
		assert_true(eucc_code_http(i) >= 400 && eucc_code_http(i) < 600);
	}
	assert_int_equal(eucc_code_from_name("no_such_code", EUCC_E_SERVER_ERROR),
			 EUCC_E_SERVER_ERROR);
	assert_int_equal(eucc_code_http(EUCC_E_KERNEL_NOT_FOUND), 404);
	assert_int_equal(eucc_code_exit(EUCC_E_INCOMPATIBLE), EUCC_EXIT_INCOMPATIBLE);
	assert_int_equal(eucc_code_exit(EUCC_E_UNAUTHORIZED), EUCC_EXIT_UNREACHABLE);
	assert_int_equal(eucc_code_exit(EUCC_E_SERVER_ERROR), EUCC_EXIT_UNREACHABLE);
	assert_int_equal(eucc_code_exit(EUCC_E_LISTEN_FAILED), EUCC_EXIT_INPUT);
	assert_string_equal(eucc_code_name(EUCC_E_COUNT), "internal"); /* out of range */
}

/* docs/exit-codes.md shows the same table: every code with its exit code and HTTP status. */
static void test_code_table_documented(void **state)
{
	void *doc;
	size_t len;

	(void)state;
	assert_int_equal(fs_read_file(EUCC_SOURCE_DIR "/docs/exit-codes.md", 1 << 20, &doc, &len),
			 0);
	for (int i = 0; i < EUCC_E_COUNT; i++) {
		char row[128];

		snprintf(row, sizeof(row), "| `%s` | %d | %u |", eucc_code_name(i),
			 eucc_code_exit(i), eucc_code_http(i));
		if (!strstr(doc, row))
			fail_msg("docs/exit-codes.md lacks the row '%s'", row);
	}
	free(doc);
}

static void test_error_set_and_exit_codes(void **state)
{
	struct eucc_error e;

	(void)state;
	assert_int_equal(eucc_error_set(&e, -ENOENT, EUCC_E_KERNEL_NOT_FOUND, "no %s", "4.1"),
			 -ENOENT);
	assert_string_equal(e.message, "no 4.1");
	assert_string_equal(e.hint, "");
	eucc_error_hint(&e, "import %d", 1);
	assert_string_equal(e.hint, "import 1");
	assert_int_equal(eucc_error_exit_code(&e), EUCC_EXIT_INPUT);
	eucc_error_set(&e, -EINVAL, EUCC_E_USAGE, "x");
	assert_int_equal(eucc_error_exit_code(&e), EUCC_EXIT_USAGE);
	assert_int_equal(eucc_error_set(NULL, -EIO, EUCC_E_USAGE, "y"), -EIO);
}

static void test_release_prefix(void **state)
{
	(void)state;
	assert_true(release_has_prefix("4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "4.19"));
	assert_true(release_has_prefix("4.19", "4.19"));
	assert_false(release_has_prefix("4.190.1", "4.19"));
	assert_false(release_has_prefix("4.18.0-147.5.1.el8_1.aarch64", "4.1"));
	assert_true(release_has_prefix("6.12.100+deb12-cloud-amd64", "6.12.100"));
	assert_true(release_has_prefix("6.1.0-47-cloud-amd64", "6.1.0-47"));
	assert_false(release_has_prefix("6.12.100+deb12-cloud-amd64", "6.1"));
	assert_true(release_has_prefix("5.10.0-32-cloud-amd64", ""));
	assert_true(release_has_prefix("5.10.0-32-cloud-amd64", "5.10."));
}

static void test_release_cmp(void **state)
{
	(void)state;
	assert_true(release_cmp("4.9.0", "4.18.0") < 0);
	assert_true(release_cmp("4.18.0", "4.19.90") < 0);
	assert_true(release_cmp("4.19.90", "5.10.0") < 0);
	assert_true(release_cmp("6.1.0-47", "6.12.100") < 0);
	assert_true(release_cmp("6.1.0-47", "6.1.0-47") == 0);
	assert_true(release_cmp("6.1.0-100", "6.1.0-47") > 0);
	assert_true(release_is_valid("6.18.44-fc-v782"));
	assert_false(release_is_valid("../etc"));
	assert_false(release_is_valid("6.1 x"));
	assert_false(release_is_valid(""));
}

static void test_arch_names(void **state)
{
	(void)state;
	assert_string_equal(arch_normalize("aarch64"), "arm64");
	assert_string_equal(arch_normalize("AMD64"), "x86_64");
	assert_string_equal(arch_normalize("x86_64"), "x86_64");
	assert_null(arch_normalize("sparc"));
	assert_string_equal(arch_from_release("4.18.0-147.5.1.el8_1.aarch64"), "arm64");
	assert_string_equal(arch_from_release("5.10.0-32-cloud-amd64"), "x86_64");
	assert_null(arch_from_release("6.18.44-fc-v782"));
}

static void test_sha256(void **state)
{
	char hex[EUCC_SHA256_HEX];

	(void)state;
	eucc_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(eucc_is_sha256_hex(hex));
	assert_false(eucc_is_sha256_hex("abc"));
}

static void test_files(void **state)
{
	char dir[] = "/tmp/eucc-test-XXXXXX", path[256];
	void *buf;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(fs_mkdir_p(path, 0755), 0);
	assert_true(fs_is_dir(path));
	snprintf(path, sizeof(path), "%s/a/b/c/f.txt", dir);
	assert_int_equal(fs_write_atomic(path, "hello", 5), 0);
	assert_int_equal(fs_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);
	assert_int_equal(fs_read_file(path, 3, &buf, &len), -EFBIG);
	snprintf(path, sizeof(path), "%s/a/b/c/f.txt/x", dir);
	assert_int_not_equal(fs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/f.txt", dir);
	fs_unlink_prune(path, dir);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_false(fs_is_dir(path));
	assert_true(fs_is_dir(dir));
	rmdir(dir);
}

static void assert_settled(const char *path, unsigned int mode, uid_t uid, gid_t gid)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
}

/*
 * What root writes into a data dir of another user belongs to that user, with the modes asked
 * for whatever the umask: a server running as that user can read and replace it.
 */
static void test_settled_files(void **state)
{
	char dir[] = "/tmp/eucc-test-XXXXXX", path[256];
	const uid_t nobody = 65534;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(geteuid(), 0); /* the tests run as root */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(mkdir(path, 0750), 0);
	assert_int_equal(chown(path, nobody, nobody), 0);

	snprintf(path, sizeof(path), "%s/data/btf/debian", dir);
	assert_int_equal(fs_mkdir_p(path, 0755), 0);
	assert_settled(path, 0755, nobody, nobody);
	snprintf(path, sizeof(path), "%s/data/btf", dir);
	assert_settled(path, 0755, nobody, nobody);
	snprintf(path, sizeof(path), "%s/data/btf/debian/k.btf", dir);
	assert_int_equal(fs_write_atomic(path, "btf", 3), 0);
	assert_settled(path, 0644, nobody, nobody);
	assert_int_equal(fs_write_atomic(path, "btf2", 4), 0); /* replaced: the same again */
	assert_settled(path, 0644, nobody, nobody);

	snprintf(path, sizeof(path), "%s/data/index.db", dir);
	assert_int_equal(fs_create_settled(path, 0644), 0);
	assert_settled(path, 0644, nobody, nobody);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(fs_create_settled(path, 0644), 0); /* there already: untouched */
	assert_settled(path, 0640, nobody, nobody);

	/* in root's own dir: root's, still with the mode asked for */
	snprintf(path, sizeof(path), "%s/root.btf", dir);
	assert_int_equal(fs_write_atomic(path, "btf", 3), 0);
	assert_settled(path, 0644, 0, 0);

	umask(old);
	assert_int_equal(fs_remove_tree(dir), 0);
}

static void test_data_dir(void **state)
{
	char buf[256];

	(void)state;
	setenv("EUCC_DATA", "/srv/eucc", 1);
	assert_int_equal(eucc_default_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/srv/eucc");
	unsetenv("EUCC_DATA");
	setenv("XDG_DATA_HOME", "/x", 1);
	assert_int_equal(eucc_default_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/eucc");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	assert_int_equal(eucc_default_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.local/share/eucc");
}

/* Text from requests, made safe to show: invalid UTF-8 and control characters as \xNN. */
static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain text", "plain text"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
	    {"line\nnext\ttab", "line\nnext\ttab"},
	    {"bad \xff byte", "bad \\xff byte"},
	    {"cut \xe2\x82", "cut \\xe2\\x82"},
	    {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
	    {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
	    {"past U+10FFFF \xf4\x90\x80\x80", "past U+10FFFF \\xf4\\x90\\x80\\x80"},
	    {"\x1b]0;title\x07", "\\x1b]0;title\\x07"},
	    {"del \x7f c1 \xc2\x9b", "del \\x7f c1 \\xc2\\x9b"},
	    {"", ""},
	};
	char buf[16], *e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = str_escape(cases[i].in);
		assert_non_null(e);
		assert_string_equal(e, cases[i].out);
		free(e);
	}
	/* cut at a whole character or escape */
	str_escape_to("abc\xff\xfe\xfd", buf, 10);
	assert_string_equal(buf, "abc\\xff");
	str_escape_to("ab\xc3\xa9", buf, 4);
	assert_string_equal(buf, "ab");
	str_escape_to(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	str_escape_line("a\nb\tc", buf, sizeof(buf));
	assert_string_equal(buf, "a\\x0ab\\x09c");
}

/* str_safe: the string itself when it is safe on one line, else escaped; json_print. */
static void test_safe_text(void **state)
{
	static const char plain[] = "caf\xc3\xa9 = 1";
	char buf[64], *j;
	cJSON *o;

	(void)state;
	assert_ptr_equal(str_safe(plain, buf, sizeof(buf)), plain);
	assert_string_equal(str_safe(NULL, buf, sizeof(buf)), "");
	assert_string_equal(STR_SAFE("\x1b]0;t\x07\r\n\xc2\x9b\xff"),
			    "\\x1b]0;t\\x07\\x0d\\x0a\\xc2\\x9b\\xff");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "s", "a\x1b\x7f\xc2\x85\xc2\xa0\xff\"");
	j = json_print(o, false);
	assert_string_equal(j, "{\"s\":\"a\\u001b\\u007f\\u0085\xc2\xa0\\ufffd\\\"\"}");
	cJSON_Delete(o);
	o = cJSON_Parse(j); /* still valid JSON, same meaning for what was valid */
	assert_string_equal(cJSON_GetObjectItem(o, "s")->valuestring,
			    "a\x1b\x7f\xc2\x85\xc2\xa0\xef\xbf\xbd\"");
	free(j);
	cJSON_Delete(o);
}

/* One ELF note: header (namesz, descsz, type), name and descriptor padded to 4 bytes. */
static size_t put_note(unsigned char *p, const char *name, size_t namesz, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	uint32_t h[3] = {(uint32_t)namesz, descsz, type};
	size_t at = sizeof(h);

	memcpy(p, h, sizeof(h));
	memset(p + at, 0, (namesz + 3) & ~3u);
	memcpy(p + at, name, namesz);
	at += (namesz + 3) & ~3u;
	memset(p + at, 0, (descsz + 3) & ~3u);
	memcpy(p + at, desc, descsz);
	return at + ((descsz + 3) & ~3u);
}

/* The build id note of a crafted notes blob, the refusals, and this host's /sys/kernel/notes. */
static void test_build_id(void **state)
{
	static const unsigned char id[20] = {0xa3, 0xe4, 0xcd, 0x60, 0xa8, 0xec, 0x14,
					     0xf0, 0x2a, 0xa4, 0x1b, 0x41, 0xd5, 0xb5,
					     0x84, 0x6d, 0x3d, 0x9f, 0x1d, 0xd8};
	unsigned char notes[256];
	char hex[2 * KERNEL_BUILD_ID_MAX + 1];
	size_t n = 0;

	(void)state;
	/* before it: a "Linux" note, a "Xen" note, and a GNU note of another type */
	n += put_note(notes + n, "Linux", 6, 0x101, "\1\1\0", 3);
	n += put_note(notes + n, "Xen", 4, 18, "\0\0\0\0\0\0\0\1", 8);
	n += put_note(notes + n, "GNU", 4, 1, "\0\0\0\0", 4);
	assert_int_equal(kernel_build_id_parse(notes, n, hex, sizeof(hex)), -ENOENT);
	n += put_note(notes + n, "GNU", 4, 3, id, sizeof(id));
	assert_int_equal(kernel_build_id_parse(notes, n, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "a3e4cd60a8ec14f02aa41b41d5b5846d3d9f1dd8");
	assert_true(build_id_is_valid(hex));
	assert_int_equal(kernel_build_id_parse(notes, n, hex, 40), -ENOSPC);
	/* cut inside the build id's descriptor: the note runs past the data */
	assert_int_equal(kernel_build_id_parse(notes, n - 4, hex, sizeof(hex)), -EBADMSG);
	assert_int_equal(kernel_build_id_parse(notes, 0, hex, sizeof(hex)), -ENOENT);
	/* a name size past the end */
	memcpy(notes, (uint32_t[]){0x7fffffff}, 4);
	assert_int_equal(kernel_build_id_parse(notes, n, hex, sizeof(hex)), -EBADMSG);
	assert_false(build_id_is_valid("abc"));
	assert_false(build_id_is_valid("ABCD"));
	assert_false(build_id_is_valid(""));
	/* this host: its kernel has a GNU build id of 20 bytes (sha1), as GNU ld writes it */
	assert_int_equal(kernel_build_id(NULL, hex, sizeof(hex)), 0);
	assert_int_equal(strlen(hex), 40);
	assert_true(build_id_is_valid(hex));
	assert_int_equal(kernel_build_id("/nonexistent/notes", hex, sizeof(hex)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_table),
	    cmocka_unit_test(test_code_table_documented),
	    cmocka_unit_test(test_error_set_and_exit_codes),
	    cmocka_unit_test(test_release_prefix),
	    cmocka_unit_test(test_release_cmp),
	    cmocka_unit_test(test_arch_names),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_settled_files),
	    cmocka_unit_test(test_data_dir),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_safe_text),
	    cmocka_unit_test(test_build_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
