/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"

static void test_error_set_and_exit_codes(void **state)
{
	struct eucc_error e;

	(void)state;
	assert_int_equal(eucc_error_set(&e, -ENOENT, "kernel_not_found", "no %s", "4.1"), -ENOENT);
	assert_string_equal(e.message, "no 4.1");
	assert_string_equal(e.hint, "");
	eucc_error_hint(&e, "import %d", 1);
	assert_string_equal(e.hint, "import 1");
	assert_int_equal(eucc_error_exit_code(&e), EUCC_EXIT_INPUT);
	eucc_error_set(&e, -EINVAL, "usage", "x");
	assert_int_equal(eucc_error_exit_code(&e), EUCC_EXIT_USAGE);
	assert_int_equal(eucc_error_set(NULL, -EIO, "x", "y"), -EIO);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_set_and_exit_codes),
	    cmocka_unit_test(test_release_prefix),
	    cmocka_unit_test(test_release_cmp),
	    cmocka_unit_test(test_arch_names),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_data_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
