/* SPDX-License-Identifier: Apache-2.0 */
/* vmlinux.h of every fixture kernel compiles a CO-RE program; single definitions print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "btfhub.h"
#include "store_fixture.h"

struct fixture {
	char dir[64];
	struct btf_store *store;
};

static int setup(void **state)
{
	static struct fixture fx;

	if (store_fixture_open(fx.dir, sizeof(fx.dir), "/tmp/eucc-hdr", &fx.store))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	return store_fixture_close(fx->dir, fx->store);
}

/* Compile tests/data/core/basic.bpf.c against kernel @k's vmlinux.h; return clang's status. */
static int compile_against(struct fixture *fx, const struct btf_kernel *k)
{
	char header[PATH_MAX], inc[PATH_MAX], cmd[3 * PATH_MAX];
	struct eucc_error err;
	struct stat st;
	int status;

	assert_int_equal(btf_store_header(fx->store, k, header, sizeof(header), &err), 0);
	snprintf(inc, sizeof(inc), "%s/inc-%s", fx->dir, k->release);
	assert_int_equal(fs_mkdir_p(inc, 0755), 0);
	snprintf(cmd, sizeof(cmd), "ln -sf %s %s/vmlinux.h", header, inc);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "%s -target bpf -O2 -g -D__TARGET_ARCH_%s -I%s -c %s/tests/data/core/basic.bpf.c "
		 "-o %s/prog.o",
		 EUCC_CLANG, strcmp(k->arch, "arm64") ? "x86" : "arm64", inc, EUCC_SOURCE_DIR, inc);
	status = system(cmd);
	if (status == 0) {
		snprintf(cmd, sizeof(cmd), "%s/prog.o", inc);
		assert_int_equal(stat(cmd, &st), 0);
		assert_true(st.st_size > 1000);
	}
	return status;
}

static void test_every_fixture_header_compiles(void **state)
{
	struct fixture *fx = *state;
	struct btf_kernel *ks;
	struct eucc_error err;
	size_t n;

	assert_int_equal(btf_store_match(fx->store, NULL, NULL, &ks, &n, &err), 0);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++) {
		int status = compile_against(fx, &ks[i]);

		if (status)
			fprintf(stderr, "compile against %s failed\n", ks[i].release);
		assert_int_equal(status, 0);
	}
	free(ks);
}

/* 4.19's BTF has none of the BPF UAPI constants: the header completes them, 6.1's does not. */
static void test_uapi_completion(void **state)
{
	struct fixture *fx = *state;
	const char *rel[] = {"4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "6.1.0-47-cloud-amd64"};

	for (int i = 0; i < 2; i++) {
		struct btf_kernel k;
		struct eucc_error err;
		char header[PATH_MAX], *text;
		size_t len;

		assert_int_equal(btf_store_get(fx->store, rel[i], NULL, &k, &err), 0);
		assert_int_equal(btf_store_header(fx->store, &k, header, sizeof(header), &err), 0);
		assert_int_equal(fs_read_file(header, 1 << 30, (void **)&text, &len), 0);
		assert_non_null(strstr(text, "preserve_access_index"));
		assert_non_null(strstr(text, "struct task_struct {"));
		if (i == 0)
			assert_non_null(strstr(text, "enum { BPF_ANY = 0ULL };"));
		else
			assert_null(strstr(text, "enum { BPF_ANY"));
		free(text);
	}
}

static char *print_def(struct fixture *fx, const char *release, const char *type, const char *func,
		       int *ret, struct eucc_error *err)
{
	struct btf_kernel k;
	struct btf *btf;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_int_equal(btf_store_get(fx->store, release, NULL, &k, err), 0);
	assert_int_equal(btf_store_load(fx->store, &k, &btf, err), 0);
	*ret = type ? btf_header_print_type(btf, type, mem, err)
		    : btf_header_print_func(btf, func, mem, err);
	fclose(mem);
	btf__free(btf);
	return text;
}

static void test_print_type_and_func(void **state)
{
	struct fixture *fx = *state;
	struct eucc_error err;
	char *t;
	int ret;

	t = print_def(fx, "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "task_struct", NULL, &ret,
		      &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "struct task_struct {"));
	assert_non_null(strstr(t, "long int state;"));
	assert_null(strstr(t, "__state"));
	free(t);
	t = print_def(fx, "6.1.0-47-cloud-amd64", "struct task_struct", NULL, &ret, &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "unsigned int __state;"));
	free(t);
	t = print_def(fx, "6.1.0-47-cloud-amd64", "bpf_map_type", NULL, &ret, &err);
	assert_non_null(strstr(t, "BPF_MAP_TYPE_RINGBUF = 27,"));
	free(t);
	t = print_def(fx, "6.1.0-47-cloud-amd64", "no_such_type_here", NULL, &ret, &err);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "type_not_found");
	free(t);
	t = print_def(fx, "6.1.0-47-cloud-amd64", NULL, "vfs_read", &ret, &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "vfs_read(struct file *"));
	free(t);
	t = print_def(fx, "4.19.90-52.22.v2207.ky10.aarch64", NULL, "vfs_read", &ret, &err);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_func_records");
	free(t);
	t = print_def(fx, "4.18.0-147.5.1.el8_1.aarch64", "task_struct", NULL, &ret, &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "definitions of 'task_struct'"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uapi_completion),
	    cmocka_unit_test(test_print_type_and_func),
	    cmocka_unit_test(test_every_fixture_header_compiles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
