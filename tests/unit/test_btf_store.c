/* SPDX-License-Identifier: Apache-2.0 */
/* The BTF store on the real fixture kernels: import, index, specs, features, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "btfhub.h"

#define FIXTURE_BTF EUCC_FIXTURES "/btf"

struct fixture {
	char dir[64];
	struct btf_store *store;
	int added;
};

static void count_added(const struct btf_kernel *k, enum btf_import_result r, const char *f,
			void *ctx)
{
	(void)k;
	(void)f;
	if (r == BTF_IMPORT_ADDED)
		(*(int *)ctx)++;
}

static int setup(void **state)
{
	static struct fixture fx;
	struct btf_import_cbs cbs = {count_added, NULL, &fx.added};
	struct eucc_error err = {0};
	int n;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/eucc-store-XXXXXX");
	if (!mkdtemp(fx.dir) || btf_store_open(fx.dir, &fx.store, &err))
		return -1;
	n = btf_store_import(fx.store, FIXTURE_BTF, NULL, &cbs, &err);
	if (n != 8) {
		fprintf(stderr, "import of the fixture tree: %d (%s)\n", n, err.message);
		return -1;
	}
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	btf_store_close(fx->store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	return system(cmd);
}

static size_t match(struct fixture *fx, const char *spec, const char *arch, struct btf_kernel **ks)
{
	struct eucc_error err = {0};
	size_t n = 0;

	assert_int_equal(btf_store_match(fx->store, spec, arch, ks, &n, &err), 0);
	return n;
}

static void test_tree_indexed(void **state)
{
	static const char *const expect[][4] = {
	    {"4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "bclinux", "21.10U3", "x86_64"},
	    {"4.19.90-24.4.v2101.ky10.aarch64", "kylin", "V10", "arm64"},
	    {"4.19.90-52.22.v2207.ky10.aarch64", "kylin", "V10", "arm64"},
	    {"4.18.0-147.5.1.el8_1.aarch64", "centos", "8", "arm64"},
	    {"5.10.0-32-cloud-amd64", "debian", "11", "x86_64"},
	    {"6.1.0-47-cloud-amd64", "debian", "12", "x86_64"},
	    {"6.1.0-47-cloud-arm64", "debian", "12", "arm64"},
	    {"6.12.100+deb12-cloud-amd64", "debian", "12", "x86_64"},
	};
	struct fixture *fx = *state;
	struct btf_kernel k;
	struct eucc_error err;

	assert_int_equal(fx->added, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(btf_store_get(fx->store, expect[i][0], NULL, &k, &err), 0);
		assert_string_equal(k.distro, expect[i][1]);
		assert_string_equal(k.version, expect[i][2]);
		assert_string_equal(k.arch, expect[i][3]);
		assert_true(k.size > 100000);
		assert_true(k.types > 1000);
		assert_int_equal(access(k.path, R_OK), 0);
		assert_non_null(strstr(k.path, "/btf/"));
	}
	/* The non-deduplicated 4.18 stress case is there in full. */
	assert_int_equal(
	    btf_store_get(fx->store, "4.18.0-147.5.1.el8_1.aarch64", "arm64", &k, &err), 0);
	assert_true(k.types > 500000);
}

static void test_spec_matching(void **state)
{
	struct fixture *fx = *state;
	struct btf_kernel *ks;
	struct eucc_error err = {0};

	assert_int_equal(match(fx, "4.19", NULL, &ks), 3);
	assert_string_equal(ks[0].arch, "arm64");
	assert_string_equal(ks[2].arch, "x86_64");
	free(ks);
	assert_int_equal(match(fx, "4.19", "x86_64", &ks), 1);
	assert_string_equal(ks[0].release, "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64");
	free(ks);
	assert_int_equal(match(fx, "4.19", "aarch64", &ks), 2);
	free(ks);
	assert_int_equal(match(fx, "debian/12", NULL, &ks), 3);
	free(ks);
	assert_int_equal(match(fx, "debian/12/amd64", NULL, &ks), 2);
	assert_string_equal(ks[0].release, "6.1.0-47-cloud-amd64");
	assert_string_equal(ks[1].release, "6.12.100+deb12-cloud-amd64");
	free(ks);
	assert_int_equal(match(fx, "kylin/V10/aarch64", NULL, &ks), 2);
	free(ks);
	assert_int_equal(match(fx, "6.1", NULL, &ks), 2);
	free(ks);
	assert_int_equal(match(fx, "6.1.0-47-cloud-amd64", NULL, &ks), 1);
	free(ks);
	assert_int_equal(match(fx, "", NULL, &ks), 8);
	free(ks);
	assert_int_equal(match(fx, "4.1", NULL, &ks), 0);
	free(ks);
	assert_int_equal(btf_store_explain_miss(fx->store, "4.1", NULL, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "kernel_not_found");
	assert_non_null(strstr(err.message, "4.1"));
	assert_non_null(strstr(err.hint, "4.18.0-147.5.1.el8_1.aarch64"));
	assert_non_null(strstr(err.hint, "4.19.90"));
	assert_non_null(strstr(err.hint, "eucc-server btf import"));
	assert_int_equal(btf_store_match(fx->store, "4.19;drop", NULL, &ks, &(size_t){0}, &err),
			 -EINVAL);
	assert_int_equal(
	    btf_store_match(fx->store, "debian/12/sparc", NULL, &ks, &(size_t){0}, &err), -EINVAL);
}

static bool has_feature(struct fixture *fx, const char *release, const char *name)
{
	struct btf_features f;
	struct btf_kernel k;
	struct eucc_error err;
	bool found = false;

	assert_int_equal(btf_store_get(fx->store, release, NULL, &k, &err), 0);
	assert_int_equal(btf_store_features(fx->store, &k, &f, &err), 0);
	for (int i = 0; i < BTF_FEATURE_PROG_LOADS; i++) /* the rest: measured on a booted kernel */
		assert_true(f.known[i]);
	for (size_t i = 0; i < f.count; i++)
		found |= !strcmp(f.items[i].name, name);
	btf_features_free(&f);
	return found;
}

static void test_features(void **state)
{
	struct fixture *fx = *state;

	assert_false(has_feature(fx, "5.10.0-32-cloud-amd64", "BPF_FUNC_loop"));
	assert_true(has_feature(fx, "6.1.0-47-cloud-amd64", "BPF_FUNC_loop"));
	assert_true(has_feature(fx, "5.10.0-32-cloud-amd64", "BPF_MAP_TYPE_RINGBUF"));
	assert_false(
	    has_feature(fx, "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "BPF_MAP_TYPE_RINGBUF"));
	assert_true(has_feature(fx, "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64",
				"BPF_FUNC_perf_event_output"));
	assert_true(has_feature(fx, "6.12.100+deb12-cloud-amd64", "BPF_PROG_TYPE_TRACING"));
	assert_true(has_feature(fx, "6.12.100+deb12-cloud-amd64", "BPF_TRACE_FENTRY"));
}

static int count_all(struct fixture *fx)
{
	struct btf_kernel *ks;
	size_t n = match(fx, NULL, NULL, &ks);

	free(ks);
	return (int)n;
}

static void test_reimport_is_noop(void **state)
{
	struct fixture *fx = *state;
	int added = 0;
	struct btf_import_cbs cbs = {count_added, NULL, &added};
	struct eucc_error err;

	assert_int_equal(btf_store_import(fx->store, FIXTURE_BTF "/debian/11", NULL, &cbs, &err),
			 1);
	assert_int_equal(added, 0);
	assert_int_equal(count_all(fx), 8);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Every bad source fails with a message and leaves the index as it was. */
static void test_bad_input_leaves_store_unchanged(void **state)
{
	struct fixture *fx = *state;
	char dir[] = "/tmp/eucc-bad-XXXXXX", path[128], cmd[512];
	static const unsigned char truncated[] = {0x9f, 0xeb, 1, 0, 24,	  0,	0, 0,
						  0,	0,    0, 0, 0x00, 0x10, 0, 0,
						  0x00, 0x10, 0, 0, 0x10, 0,	0, 0};
	const char *cases[] = {"empty", "garbage", "truncated.btf", "nobtf.btf.tar.xz", "emptydir"};
	struct eucc_error err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	snprintf(path, sizeof(path), "%s/garbage", dir);
	write_file(path, "this is not a kernel\n", 21);
	snprintf(path, sizeof(path), "%s/truncated.btf", dir);
	write_file(path, truncated, sizeof(truncated));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && echo hi > readme.txt && tar -cJf nobtf.btf.tar.xz readme.txt && "
		 "mkdir emptydir && cp readme.txt emptydir/",
		 dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i]);
		assert_true(btf_store_import(fx->store, path, NULL, NULL, &err) < 0);
		assert_true(strlen(err.message) > 10);
		assert_int_equal(count_all(fx), 8);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static struct btf_store *fresh_store(char *dir)
{
	struct btf_store *s;
	struct eucc_error err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(btf_store_open(dir, &s, &err), 0);
	return s;
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Same release, other BTF: refused unless --replace. */
static void test_conflict_and_replace(void **state)
{
	char dir[] = "/tmp/eucc-store-XXXXXX";
	struct btf_store *s = fresh_store(dir);
	struct btf_import_opts o = {.sz = sizeof(o), .release = "5.10.0-32-cloud-amd64"};
	struct btf_kernel k;
	struct eucc_error err;
	char old_sha[EUCC_SHA256_HEX], header[PATH_MAX], pch[PATH_MAX + 32];

	(void)state;
	assert_int_equal(btf_store_import(s, FIXTURE_BTF "/debian/11", NULL, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), 0);
	memcpy(old_sha, k.sha256, sizeof(old_sha));
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), -EEXIST);
	assert_string_equal(eucc_code_name(err.code), "conflict");
	assert_non_null(strstr(err.hint, "--replace"));
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), 0);
	assert_string_equal(k.sha256, old_sha);
	o.replace = true;
	assert_int_equal(btf_store_header(s, &k, header, sizeof(header), &err), 0);
	snprintf(pch, sizeof(pch), "%s.x86_64.clang-19.pch", header);
	assert_int_equal(fs_write_atomic(pch, "old", 3), 0);
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), 0);
	assert_string_not_equal(k.sha256, old_sha);
	/* the new header in place of the old, the PCH made from the old one gone */
	assert_int_equal(access(header, R_OK), 0);
	assert_int_not_equal(access(pch, F_OK), 0);
	assert_int_equal(btf_store_remove(s, &k, &err), 0);
	assert_int_not_equal(access(k.path, F_OK), 0);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), -ENOENT);
	btf_store_close(s);
	remove_dir(dir);
}

static int first_col(void *ctx, int n, char **vals, char **names)
{
	(void)names;
	if (n > 0 && vals[0] && !*(char **)ctx)
		*(char **)ctx = strdup(vals[0]);
	return 0;
}

/* Two builds of one release (Debian keeps the release across rebuilds): both kept, apart. */
static void test_two_builds(void **state)
{
	static const char rel[] = "5.10.0-32-cloud-amd64";
	char dir[] = "/tmp/eucc-store-XXXXXX";
	struct btf_store *s = fresh_store(dir);
	struct btf_import_opts o = {.sz = sizeof(o), .build_id = "aa11"};
	struct btf_kernel k, first, *ks;
	struct eucc_error err;
	size_t n;

	(void)state;
	assert_int_equal(btf_store_import(s, FIXTURE_BTF "/debian/11", &o, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, rel, NULL, &first, &err), 0);
	assert_string_equal(first.build_id, "aa11");
	o.release = rel;
	o.build_id = "bb22"; /* another build: other BTF, same release */
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_match(s, rel, NULL, &ks, &n, &err), 0);
	assert_int_equal(n, 2);
	free(ks);
	assert_int_equal(btf_store_get(s, rel, NULL, &k, &err), -EINVAL);
	assert_non_null(strstr(err.message, "stored as two builds: build id aa11 and bb22"));
	assert_non_null(strstr(err.hint, "--build-id"));
	assert_int_equal(btf_store_get_build(s, rel, NULL, "bb22", &k, &err), 0);
	assert_string_not_equal(k.sha256, first.sha256);
	assert_non_null(strstr(k.path, "/debian/11/x86_64/5.10.0-32-cloud-amd64.bb22.btf"));
	assert_int_equal(access(k.path, R_OK), 0);
	assert_int_equal(btf_store_get_build(s, rel, NULL, "aa11", &k, &err), 0);
	assert_string_equal(k.sha256, first.sha256);
	assert_int_equal(btf_store_get_build(s, rel, NULL, "cc33", &k, &err), -ENOENT);
	/* the same build again, or the same BTF under another id: unchanged (the same kernel);
	 * the same build id with other BTF: a conflict */
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	o.build_id = "aa11";
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_match(s, rel, NULL, &ks, &n, &err), 0);
	assert_int_equal(n, 2);
	free(ks);
	assert_int_equal(
	    btf_store_import(s, FIXTURE_BTF "/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz", &o,
			     NULL, &err),
	    -EEXIST);
	assert_string_equal(eucc_code_name(err.code), "conflict");
	o.build_id = "XYZ";
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.message, "bad build id 'XYZ'"));
	/* removing one build leaves the other and its file */
	assert_int_equal(btf_store_get_build(s, rel, NULL, "bb22", &k, &err), 0);
	assert_int_equal(btf_store_remove(s, &k, &err), 0);
	assert_int_equal(btf_store_get(s, rel, NULL, &k, &err), 0);
	assert_string_equal(k.build_id, "aa11");
	assert_int_equal(access(k.path, R_OK), 0);
	btf_store_close(s);
	remove_dir(dir);
}

/* A store of schema 1 (kernels keyed by release and arch) is migrated when opened. */
static void test_schema_migration(void **state)
{
	static const char to_v1[] =
	    "PRAGMA foreign_keys=OFF; BEGIN;"
	    "CREATE TABLE k1(id INTEGER PRIMARY KEY, release TEXT NOT NULL, distro TEXT NOT NULL,"
	    " version TEXT NOT NULL, arch TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT "
	    "NULL,"
	    " source TEXT NOT NULL, origin TEXT NOT NULL, imported_at INTEGER NOT NULL,"
	    " types INTEGER NOT NULL, funcs INTEGER NOT NULL, features_known INTEGER NOT NULL,"
	    " path TEXT NOT NULL, UNIQUE(release, arch));"
	    "INSERT INTO k1 SELECT id, release, distro, version, arch, sha256, size, source, "
	    "origin,"
	    " imported_at, types, funcs, features_known, path FROM kernels;"
	    "DROP TABLE kernels; ALTER TABLE k1 RENAME TO kernels;"
	    "UPDATE meta SET value = '1' WHERE key = 'schema'; COMMIT;";
	char dir[] = "/tmp/eucc-store-XXXXXX", db[64], *v = NULL;
	struct btf_store *s = fresh_store(dir);
	struct btf_import_opts o = {
	    .sz = sizeof(o), .build_id = "bb22", .release = "5.10.0-32-cloud-amd64"};
	struct btf_features f;
	struct btf_kernel k;
	struct eucc_error err;
	sqlite3 *h;
	size_t before;

	(void)state;
	assert_int_equal(btf_store_import(s, FIXTURE_BTF "/debian/11", NULL, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), 0);
	assert_int_equal(btf_store_features(s, &k, &f, &err), 0);
	before = f.count;
	btf_features_free(&f);
	btf_store_close(s);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, to_v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	assert_int_equal(btf_store_open(dir, &s, &err), 0);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &k, &err), 0);
	assert_string_equal(k.build_id, "");
	assert_int_equal(k.header_version, 0); /* unknown: written again by the server */
	assert_int_equal(btf_store_features(s, &k, &f, &err), 0);
	assert_true(before > 100);
	assert_int_equal(f.count, before); /* the feature rows kept their kernel */
	btf_features_free(&f);
	/* the new key: another build of that release is kept */
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_get_build(s, "5.10.0-32-cloud-amd64", NULL, "bb22", &k, &err),
			 0);
	btf_store_close(s);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(h, "SELECT value FROM meta WHERE key = 'schema'", first_col, &v, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_non_null(v);
	assert_string_equal(v, "3");
	free(v);
	remove_dir(dir);
}

static char *read_text(const char *path)
{
	void *data = NULL;
	size_t len = 0;
	char *text;

	assert_int_equal(fs_read_file(path, 256 << 20, &data, &len), 0);
	text = realloc(data, len + 1);
	assert_non_null(text);
	text[len] = '\0';
	return text;
}

static unsigned int refresh(struct btf_store *s, unsigned int checked)
{
	struct btf_refresh_stats st;
	struct eucc_error err = {0};

	assert_int_equal(btf_store_refresh_headers(s, &st, &err), 0);
	assert_int_equal(st.checked, checked);
	assert_int_equal(st.failed, 0);
	return st.remade;
}

/*
 * A store of schema 2, written before header versions, with a vmlinux.h of before the kfunc
 * declarations and a precompiled header made from it: migrated with its rows, then each header
 * is written again, the precompiled one removed, the version recorded; then nothing more.
 */
static void test_header_refresh(void **state)
{
	static const char to_v2[] = "ALTER TABLE kernels DROP COLUMN header_version;"
				    "UPDATE meta SET value = '2' WHERE key = 'schema';";
	static const char kfuncs[] = "\n/* The kernel's kfuncs";
	char dir[] = "/tmp/eucc-store-XXXXXX", db[64], header[PATH_MAX], pch[PATH_MAX + 32];
	char other[PATH_MAX], *text, *cut;
	struct btf_store *s = fresh_store(dir);
	struct btf_import_opts o = {.sz = sizeof(o), .release = "6.99.0-kfuncs", .arch = "x86_64"};
	struct btf_kernel k, d;
	struct btf_features f;
	struct eucc_error err;
	struct stat st;
	size_t features;
	sqlite3 *h;
	ino_t ino;

	(void)state;
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_import(s, FIXTURE_BTF "/debian/11", NULL, NULL, &err), 1);
	assert_int_equal(btf_store_get(s, "6.99.0-kfuncs", NULL, &k, &err), 0);
	assert_int_equal(k.header_version, BTF_HEADER_VERSION);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &d, &err), 0);
	assert_int_equal(btf_store_features(s, &d, &f, &err), 0);
	features = f.count;
	btf_features_free(&f);
	assert_int_equal(refresh(s, 2), 0); /* both current */

	/* the header as an older writer left it: no kfunc declarations */
	assert_int_equal(btf_store_header(s, &k, header, sizeof(header), &err), 0);
	text = read_text(header);
	assert_non_null(strstr(text, "*bpf_task_from_pid(s32 pid) __weak __ksym;"));
	cut = strstr(text, kfuncs);
	assert_non_null(cut);
	assert_int_equal(fs_write_atomic(header, text, (size_t)(cut - text)), 0);
	free(text);
	snprintf(pch, sizeof(pch), "%s.x86_64.clang-19.pch", header);
	assert_int_equal(fs_write_atomic(pch, "stale", 5), 0);
	assert_int_equal(btf_store_header(s, &d, other, sizeof(other), &err), 0);
	btf_store_close(s);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, to_v2, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	assert_int_equal(btf_store_open(dir, &s, &err), 0);
	assert_int_equal(btf_store_get(s, "6.99.0-kfuncs", NULL, &k, &err), 0);
	assert_int_equal(k.header_version, 0);
	assert_int_equal(btf_store_get(s, "5.10.0-32-cloud-amd64", NULL, &d, &err), 0);
	assert_int_equal(btf_store_features(s, &d, &f, &err), 0);
	assert_int_equal(f.count, features); /* rows kept, with their feature rows */
	btf_features_free(&f);
	assert_int_equal(refresh(s, 2), 2);
	text = read_text(header);
	assert_non_null(strstr(text, "*bpf_task_from_pid(s32 pid) __weak __ksym;"));
	free(text);
	assert_int_not_equal(access(pch, F_OK), 0);
	assert_int_equal(btf_store_get(s, "6.99.0-kfuncs", NULL, &k, &err), 0);
	assert_int_equal(k.header_version, BTF_HEADER_VERSION);

	/* up to date: left alone; a header lost is made again */
	assert_int_equal(stat(other, &st), 0);
	ino = st.st_ino;
	assert_int_equal(refresh(s, 2), 0);
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(refresh(s, 2), 1);
	assert_int_equal(access(other, R_OK), 0);
	btf_store_close(s);
	remove_dir(dir);
}

/* The running kernel's own BTF imports under its uname -r. */
static void test_local_kernel(void **state)
{
	char dir[] = "/tmp/eucc-store-XXXXXX";
	struct btf_store *s = fresh_store(dir);
	struct utsname u;
	struct btf_import_opts o = {.sz = sizeof(o)};
	struct btf_kernel *ks;
	struct eucc_error err;
	size_t n;

	(void)state;
	assert_int_equal(uname(&u), 0);
	o.release = u.release;
	assert_int_equal(btf_store_import(s, "/sys/kernel/btf/vmlinux", &o, NULL, &err), 1);
	assert_int_equal(btf_store_match(s, "local", NULL, &ks, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ks[0].release, u.release);
	assert_string_equal(ks[0].arch, arch_host());
	assert_true(ks[0].funcs > 1000);
	free(ks);
	btf_store_close(s);
	remove_dir(dir);
}

static void test_unwritable_data_dir(void **state)
{
	struct btf_store *s = NULL;
	struct eucc_error err = {0};

	(void)state;
	/* A path below a regular file can never be created, not even by root. */
	assert_true(btf_store_open("/etc/hostname/eucc", &s, &err) < 0);
	assert_null(s);
	assert_non_null(strstr(err.message, "/etc/hostname/eucc"));
	assert_non_null(strstr(err.hint, "--data"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_indexed),
	    cmocka_unit_test(test_spec_matching),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_reimport_is_noop),
	    cmocka_unit_test(test_bad_input_leaves_store_unchanged),
	    cmocka_unit_test(test_conflict_and_replace),
	    cmocka_unit_test(test_two_builds),
	    cmocka_unit_test(test_schema_migration),
	    cmocka_unit_test(test_header_refresh),
	    cmocka_unit_test(test_local_kernel),
	    cmocka_unit_test(test_unwritable_data_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
