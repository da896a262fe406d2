/* SPDX-License-Identifier: Apache-2.0 */
/* The BTF store: files in BTFHub's layout under <data>/btf, indexed in <data>/index.db. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "store_internal.h"

#define STORE_SCHEMA_VERSION 3

/*
 * Schema 2 keys a kernel by release, arch and build id ('' where the build id is unknown);
 * schema 3 records the format of each kernel's vmlinux.h (header_version, 0: unknown).
 * Older schemas are migrated when a store is opened (store_migrate).
 */
#define STORE_KERNELS_TABLE(name)                                                                  \
	"CREATE TABLE IF NOT EXISTS " name "("                                                     \
	" id INTEGER PRIMARY KEY, release TEXT NOT NULL, distro TEXT NOT NULL,"                    \
	" version TEXT NOT NULL, arch TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL," \
	" source TEXT NOT NULL, origin TEXT NOT NULL, imported_at INTEGER NOT NULL,"               \
	" types INTEGER NOT NULL, funcs INTEGER NOT NULL, features_known INTEGER NOT NULL,"        \
	" path TEXT NOT NULL, build_id TEXT NOT NULL DEFAULT '',"                                  \
	" header_version INTEGER NOT NULL DEFAULT 0,"                                              \
	" UNIQUE(release, arch, build_id));"

static const char store_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT "
    "NULL);" STORE_KERNELS_TABLE(
	"kernels") "CREATE INDEX IF NOT EXISTS kernels_by_distro ON kernels(distro, version, arch);"
		   "CREATE INDEX IF NOT EXISTS kernels_by_sha ON kernels(sha256);"
		   "CREATE TABLE IF NOT EXISTS kernel_features("
		   " kernel_id INTEGER NOT NULL REFERENCES kernels(id) ON DELETE CASCADE,"
		   " kind INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,"
		   " PRIMARY KEY(kernel_id, kind, name)) WITHOUT ROWID;"
		   "INSERT OR IGNORE INTO meta VALUES('schema', '3');";

/* Schema 1 to 3: the kernels table made again with build_id, header_version and the new key
 * (SQLite cannot change a table's UNIQUE constraint in place); rows, ids and feature rows are
 * kept, their build ids and header versions unknown. */
static const char store_migrate_1[] = "BEGIN IMMEDIATE;" STORE_KERNELS_TABLE(
    "kernels_v3") "INSERT INTO kernels_v3(id, release, distro, version, arch, sha256, size, "
		  "source, origin,"
		  " imported_at, types, funcs, features_known, path)"
		  " SELECT id, release, distro, version, arch, sha256, size, source, origin, "
		  "imported_at,"
		  " types, funcs, features_known, path FROM kernels;"
		  "DROP TABLE kernels;"
		  "ALTER TABLE kernels_v3 RENAME TO kernels;"
		  "CREATE INDEX IF NOT EXISTS kernels_by_distro ON kernels(distro, version, arch);"
		  "CREATE INDEX IF NOT EXISTS kernels_by_sha ON kernels(sha256);"
		  "UPDATE meta SET value = '3' WHERE key = 'schema';"
		  "COMMIT;";

/* Schema 2 to 3: a column, 0 (unknown) in every row, whose headers are then written again. */
static const char store_migrate_2[] =
    "BEGIN IMMEDIATE;"
    "ALTER TABLE kernels ADD COLUMN header_version INTEGER NOT NULL DEFAULT 0;"
    "UPDATE meta SET value = '3' WHERE key = 'schema';"
    "COMMIT;";

/* Indexes of schema 1 and 2 are migrated; one newer than this code is refused. */
static int store_migrate(struct btf_store *s, struct eucc_error *err)
{
	sqlite3_stmt *st;
	int version = 0, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st, NULL))
		return store_sql_error(s, err, "cannot read its schema");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	if (version != 1 && version != 2) {
		eucc_error_set(err, -EPROTONOSUPPORT, EUCC_E_STORE,
			       "BTF index in %s has schema %d; this eucc-server knows %d", s->dir,
			       version, STORE_SCHEMA_VERSION);
		eucc_error_hint(err, "run the eucc-server that made it, or a newer one");
		return -EPROTONOSUPPORT;
	}
	/* foreign keys off, outside the transaction: dropping the old table must not cascade */
	sqlite3_exec(s->db, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
	rc =
	    sqlite3_exec(s->db, version == 1 ? store_migrate_1 : store_migrate_2, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		eucc_error_set(err, -EIO, EUCC_E_STORE,
			       "BTF index in %s: cannot migrate schema %d to %d: %s", s->dir,
			       version, STORE_SCHEMA_VERSION, sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	eucc_info("BTF index in %s: migrated from schema %d to %d (%s)", s->dir, version,
		  STORE_SCHEMA_VERSION,
		  version == 1 ? "kernels keyed by build id too, vmlinux.h formats recorded"
			       : "vmlinux.h formats recorded");
	return 0;
}

int store_sql_error(const struct btf_store *store, struct eucc_error *err, const char *what)
{
	return eucc_error_set(err, -EIO, EUCC_E_STORE, "BTF index in %s: %s: %s", store->dir, what,
			      sqlite3_errmsg(store->db));
}

static int store_open_db(struct btf_store *s, struct eucc_error *err)
{
	char path[PATH_MAX + 16];
	int ret;

	snprintf(path, sizeof(path), "%s/index.db", s->dir);
	/* made here, settled: sqlite gives its -wal and -shm files the owner of the db */
	ret = fs_create_settled(path, 0644);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_DATA_DIR, "cannot make the BTF index %s: %s", path,
			       strerror(-ret));
		eucc_error_hint(err, "give a writable data dir with --data DIR or EUCC_DATA");
		return ret;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		eucc_error_set(err, -EACCES, EUCC_E_DATA_DIR, "cannot open the BTF index %s: %s",
			       path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		eucc_error_hint(err, "give a writable data dir with --data DIR or EUCC_DATA");
		return -EACCES;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_exec(s->db, store_schema, NULL, NULL, NULL) != SQLITE_OK) {
		store_sql_error(s, err, "cannot initialize");
		eucc_error_hint(err, "give a writable data dir with --data DIR or EUCC_DATA");
		return -EIO;
	}
	return store_migrate(s, err);
}

int btf_store_open(const char *data_dir, struct btf_store **out, struct eucc_error *err)
{
	struct btf_store *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	snprintf(s->dir, sizeof(s->dir), "%s", data_dir);
	pthread_mutex_init(&s->write_lock, NULL);
	ret = fs_mkdir_p(data_dir, 0755);
	if (!ret && access(data_dir, W_OK))
		ret = -errno;
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_DATA_DIR, "cannot use data dir %s: %s", data_dir,
			       strerror(-ret));
		eucc_error_hint(err, "give a writable data dir with --data DIR or EUCC_DATA");
		free(s);
		return ret;
	}
	ret = store_open_db(s, err);
	if (ret) {
		btf_store_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

void btf_store_close(struct btf_store *store)
{
	if (!store)
		return;
	sqlite3_close(store->db);
	pthread_mutex_destroy(&store->write_lock);
	free(store);
}

const char *btf_store_dir(const struct btf_store *store)
{
	return store->dir;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

void kernel_from_row(const struct btf_store *store, sqlite3_stmt *st, struct btf_kernel *k)
{
	char rel[PATH_MAX];

	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, k->release, sizeof(k->release));
	copy_col(st, 2, k->distro, sizeof(k->distro));
	copy_col(st, 3, k->version, sizeof(k->version));
	copy_col(st, 4, k->arch, sizeof(k->arch));
	copy_col(st, 5, k->sha256, sizeof(k->sha256));
	k->size = sqlite3_column_int64(st, 6);
	copy_col(st, 7, k->source, sizeof(k->source));
	k->imported_at = sqlite3_column_int64(st, 8);
	k->types = sqlite3_column_int64(st, 9);
	k->funcs = sqlite3_column_int64(st, 10);
	copy_col(st, 11, rel, sizeof(rel));
	copy_col(st, 12, k->build_id, sizeof(k->build_id));
	k->header_version = sqlite3_column_int(st, 13);
	snprintf(k->path, sizeof(k->path), "%s/%s", store->dir, rel);
}

int store_query_kernels(struct btf_store *store, const char *sql, const char *const *params,
			int nparams, struct btf_kernel **out, size_t *count, struct eucc_error *err)
{
	struct btf_kernel *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sql_error(store, err, "query");
	for (int i = 0; i < nparams; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct btf_kernel *nl = realloc(list, cap * sizeof(*nl));
			if (!nl) {
				rc = SQLITE_NOMEM;
				break;
			}
			list = nl;
		}
		kernel_from_row(store, st, &list[n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return rc == SQLITE_NOMEM
			   ? eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory")
			   : store_sql_error(store, err, "query");
	}
	*out = list;
	*count = n;
	return 0;
}

int btf_store_get_build(struct btf_store *store, const char *release, const char *arch,
			const char *build_id, struct btf_kernel *out, struct eucc_error *err)
{
	const char *params[] = {release, arch, build_id};
	struct btf_kernel *list = NULL;
	size_t n = 0;
	int ret;

	/* with a build id: that build, else a build of unknown id (imported without one) */
	ret = store_query_kernels(store,
				  "SELECT " KERNEL_COLUMNS " FROM kernels WHERE release = ?1 "
				  "AND (?2 IS NULL OR arch = ?2) AND (?3 IS NULL OR build_id = ?3 "
				  "OR build_id = '') ORDER BY arch, build_id = '', build_id",
				  params, 3, &list, &n, err);
	if (ret)
		return ret;
	if (n == 0) {
		free(list);
		btf_store_explain_miss(store, release, arch, err);
		return -ENOENT;
	}
	if (n > 1 && strcmp(list[0].arch, list[1].arch)) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "release %s is stored for %s and %s",
			       release, list[0].arch, list[1].arch);
		eucc_error_hint(err, "choose one with --arch");
		free(list);
		return -EINVAL;
	}
	if (n > 1 && !build_id) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
			       "release %s (%s) is stored as two builds: build id %s and %s",
			       release, list[0].arch,
			       list[0].build_id[0] ? list[0].build_id : "unknown",
			       list[1].build_id[0] ? list[1].build_id : "unknown");
		eucc_error_hint(err, "choose one with --build-id");
		free(list);
		return -EINVAL;
	}
	*out = list[0];
	free(list);
	return 0;
}

int btf_store_get(struct btf_store *store, const char *release, const char *arch,
		  struct btf_kernel *out, struct eucc_error *err)
{
	return btf_store_get_build(store, release, arch, NULL, out, err);
}

int btf_store_find_sha(struct btf_store *store, const char *sha256, struct btf_kernel *out,
		       struct eucc_error *err)
{
	const char *params[] = {sha256};
	struct btf_kernel *list = NULL;
	size_t n = 0;
	int ret;

	ret = store_query_kernels(
	    store, "SELECT " KERNEL_COLUMNS " FROM kernels WHERE sha256 = ?1 LIMIT 1", params, 1,
	    &list, &n, err);
	if (ret)
		return ret;
	if (n)
		*out = list[0];
	free(list);
	return n ? 0
		 : eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND, "no kernel with BTF %s", sha256);
}

/* The stored file is validated again: a store may hold BTF indexed before the full check. */
int btf_store_load(struct btf_store *store, const struct btf_kernel *k, struct btf **btf,
		   struct eucc_error *err)
{
	struct eucc_error why = {0};
	void *data = NULL;
	size_t len = 0;
	struct btf *b = NULL;
	int ret;

	(void)store;
	ret = fs_read_file(k->path, (size_t)UINT32_MAX, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_STORE,
				      "cannot read stored BTF of %s (%s): %s", k->release, k->path,
				      strerror(-ret));
	ret = btf_source_validate(data, len, &why);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_STORE, "stored BTF of %s: %s", k->release,
			       why.message);
		eucc_error_hint(err, "remove it (eucc-server btf rm %s) and import it again",
				k->release);
	} else if (!(b = btf__new(data, (uint32_t)len))) {
		ret = eucc_error_set(err, errno ? -errno : -EINVAL, EUCC_E_STORE,
				     "cannot parse stored BTF of %s", k->release);
	}
	free(data);
	if (!ret)
		*btf = b;
	return ret;
}

int store_delete_row(struct btf_store *store, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(store->db, "DELETE FROM kernels WHERE id = ?1", -1, &st, NULL))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static void unlink_glob(const char *pattern)
{
	glob_t g;

	if (!glob(pattern, GLOB_NOSORT, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
}

void store_unlink_derived(struct btf_store *store, const char *btf_path)
{
	char pattern[PATH_MAX];

	(void)store;
	/* the header and what users of the store derived from it (<release>.h.*.pch) */
	snprintf(pattern, sizeof(pattern), "%.*s.h*", (int)(strlen(btf_path) - 4), btf_path);
	unlink_glob(pattern);
}

void store_unlink_pch(const char *btf_path)
{
	char pattern[PATH_MAX];

	snprintf(pattern, sizeof(pattern), "%.*s.h.*", (int)(strlen(btf_path) - 4), btf_path);
	unlink_glob(pattern);
}

void store_unlink_files(struct btf_store *store, const char *btf_path)
{
	store_unlink_derived(store, btf_path);
	fs_unlink_prune(btf_path, store->dir);
}

int btf_store_remove(struct btf_store *store, const struct btf_kernel *k, struct eucc_error *err)
{
	int ret = 0;

	pthread_mutex_lock(&store->write_lock);
	if (store_delete_row(store, k->id))
		ret = store_sql_error(store, err, "remove");
	else
		store_unlink_files(store, k->path);
	pthread_mutex_unlock(&store->write_lock);
	return ret;
}

int btf_store_features(struct btf_store *store, const struct btf_kernel *k,
		       struct btf_features *out, struct eucc_error *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, known = 0;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(store->db, "SELECT features_known FROM kernels WHERE id = ?1", -1,
			       &st, NULL))
		return store_sql_error(store, err, "features");
	sqlite3_bind_int64(st, 1, k->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		known = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	for (int i = 0; i < BTF_FEATURE_KIND_COUNT; i++)
		out->known[i] = known & (1 << i);
	if (sqlite3_prepare_v2(store->db,
			       "SELECT kind, name, value FROM kernel_features WHERE kernel_id = ?1 "
			       "ORDER BY kind, value",
			       -1, &st, NULL))
		return store_sql_error(store, err, "features");
	sqlite3_bind_int64(st, 1, k->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->count == cap) {
			cap = cap ? cap * 2 : 256;
			struct btf_feature *n = realloc(out->items, cap * sizeof(*n));
			if (!n) {
				rc = SQLITE_NOMEM;
				break;
			}
			out->items = n;
		}
		struct btf_feature *f = &out->items[out->count++];
		f->kind = (enum btf_feature_kind)sqlite3_column_int(st, 0);
		copy_col(st, 1, f->name, sizeof(f->name));
		f->value = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		btf_features_free(out);
		return store_sql_error(store, err, "features");
	}
	return 0;
}
