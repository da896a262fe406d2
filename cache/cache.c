/* SPDX-License-Identifier: Apache-2.0 */
/* The cache: open/close, paths, clock, SQL helpers, key digests. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cache_internal.h"

static const char cache_pragmas[] = "PRAGMA journal_mode=WAL;"
				    "PRAGMA synchronous=NORMAL;";

static const char cache_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blobs(digest TEXT PRIMARY KEY, size INTEGER NOT NULL,"
    " created INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS keys(ns TEXT NOT NULL, key TEXT NOT NULL,"
    " digest TEXT NOT NULL, meta TEXT, size INTEGER NOT NULL, created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL, PRIMARY KEY(ns, key));"
    "CREATE INDEX IF NOT EXISTS keys_by_digest ON keys(digest);"
    "CREATE INDEX IF NOT EXISTS keys_by_use ON keys(last_used);"
    /* totals of the blobs table, kept by triggers, so that stats and the cap are cheap */
    "CREATE TABLE IF NOT EXISTS totals(id INTEGER PRIMARY KEY CHECK(id = 0),"
    " blobs INTEGER NOT NULL, bytes INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO totals VALUES(0, 0, 0);"
    "CREATE TRIGGER IF NOT EXISTS blobs_ins AFTER INSERT ON blobs BEGIN"
    " UPDATE totals SET blobs = blobs + 1, bytes = bytes + NEW.size; END;"
    "CREATE TRIGGER IF NOT EXISTS blobs_del AFTER DELETE ON blobs BEGIN"
    " UPDATE totals SET blobs = blobs - 1, bytes = bytes - OLD.size; END;"
    "CREATE TRIGGER IF NOT EXISTS blobs_upd AFTER UPDATE OF size ON blobs BEGIN"
    " UPDATE totals SET bytes = bytes - OLD.size + NEW.size; END;"
    "INSERT OR IGNORE INTO meta VALUES('schema', '1');";

uint64_t cache_now(const struct cache *c)
{
	struct timespec ts;

	if (c->clock_ms)
		return c->clock_ms(c->clock_ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cache_blob_file(const struct cache *c, const char *digest, char *path, size_t size)
{
	snprintf(path, size, "%s/blobs/sha256/%.2s/%s", c->dir, digest, digest);
}

int cache_blob_stat(const struct cache *c, const char *digest, uint64_t *size)
{
	char path[PATH_MAX + 128];
	struct stat st;

	cache_blob_file(c, digest, path, sizeof(path));
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return -ENOENT;
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

int cache_sql_errno(struct cache *c, int rc)
{
	eucc_debug("cache %s: sqlite: %s", c->dir, sqlite3_errmsg(c->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EACCES;
	default:
		return -EIO;
	}
}

void cache_sql_done(struct cache *c, sqlite3_stmt *st)
{
	for (size_t i = 0; i < c->nstmts; i++)
		if (c->stmts[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

/* A prepared statement of @sql kept for reuse (reset, bindings cleared), or NULL. */
static sqlite3_stmt *stmt_kept(struct cache *c, const char *sql)
{
	for (size_t i = 0; i < c->nstmts; i++)
		if (c->stmts[i].sql == sql && !sqlite3_stmt_busy(c->stmts[i].st) &&
		    !strcmp(sqlite3_sql(c->stmts[i].st), sql)) {
			sqlite3_reset(c->stmts[i].st);
			sqlite3_clear_bindings(c->stmts[i].st);
			return c->stmts[i].st;
		}
	return NULL;
}

/* Prepare @sql (reusing a kept statement when @keep) and bind the arguments. */
static int sql_prepare(struct cache *c, sqlite3_stmt **out, bool keep, const char *sql,
		       const char *fmt, va_list ap)
{
	sqlite3_stmt *st = keep ? stmt_kept(c, sql) : NULL;
	int rc = SQLITE_OK;

	if (!st) {
		keep = keep && c->nstmts < CACHE_STMTS;
		rc = sqlite3_prepare_v3(c->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st,
					NULL);
		if (rc != SQLITE_OK)
			return cache_sql_errno(c, rc);
		if (keep)
			c->stmts[c->nstmts++] = (struct cache_stmt){sql, st};
	}
	for (int i = 1; fmt && *fmt; fmt++, i++) {
		if (*fmt == 'i') {
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		} else {
			const char *t = va_arg(ap, const char *);

			rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i);
		}
		if (rc != SQLITE_OK) {
			cache_sql_done(c, st);
			return cache_sql_errno(c, rc);
		}
	}
	*out = st;
	return 0;
}

int cache_sql(struct cache *c, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sql_prepare(c, st, true, sql, fmt, ap);
	va_end(ap);
	return ret;
}

int cache_sql_exec(struct cache *c, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret, rc;

	va_start(ap, fmt);
	ret = sql_prepare(c, &st, true, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	ret = rc == SQLITE_DONE ? sqlite3_changes(c->db) : cache_sql_errno(c, rc);
	cache_sql_done(c, st);
	return ret;
}

int cache_sql_int(struct cache *c, int64_t *out, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret, rc;

	va_start(ap, fmt);
	ret = sql_prepare(c, &st, true, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : cache_sql_errno(c, rc);
	cache_sql_done(c, st);
	return ret;
}

int cache_begin(struct cache *c)
{
	int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : cache_sql_errno(c, rc);
}

int cache_commit(struct cache *c)
{
	int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	cache_rollback(c);
	return cache_sql_errno(c, rc);
}

int cache_end(struct cache *c, int ret)
{
	if (!ret)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	return ret;
}

void cache_rollback(struct cache *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Fields past the caller's sizeof(struct cache_opts) are left at their defaults. */
#define OPTS_HAS(o, f) ((o) && (o)->sz >= offsetof(struct cache_opts, f) + sizeof((o)->f))

static int cache_open_db(struct cache *c, struct eucc_error *err)
{
	char path[PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/index.db", c->dir);
	rc = fs_create_settled(path, 0644); /* its -wal and -shm get the db's owner */
	if (rc)
		return eucc_error_set(err, rc, EUCC_E_CACHE, "cannot make the cache index %s: %s",
				      path, strerror(-rc));
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->db, 10000);
		rc = sqlite3_exec(c->db, cache_pragmas, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK && (rc = cache_begin(c)) == 0) {
		rc = sqlite3_exec(c->db, cache_schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = cache_commit(c);
		else
			cache_rollback(c);
	}
	if (rc != SQLITE_OK)
		return eucc_error_set(err, -EIO, EUCC_E_CACHE, "cannot open the cache index %s: %s",
				      path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
	return 0;
}

static int cache_mkdirs(const char *dir, struct eucc_error *err)
{
	static const char *const sub[] = {"", "/blobs/sha256", "/tmp"};
	char path[PATH_MAX + 32];
	int ret = 0;

	for (size_t i = 0; !ret && i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		ret = fs_mkdir_p(path, 0755);
	}
	if (!ret && access(dir, W_OK))
		ret = -errno;
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_CACHE, "cannot use cache dir %s: %s", dir,
			       strerror(-ret));
		eucc_error_hint(err, "give a writable data dir with --data DIR or EUCC_DATA");
	}
	return ret;
}

int cache_open(const char *dir, const struct cache_opts *opts, struct cache **out,
	       struct eucc_error *err)
{
	struct cache *c;
	int ret;

	*out = NULL;
	if (strlen(dir) >= sizeof(c->dir) - 128)
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_CACHE,
				      "cache dir name too long: %s", dir);
	ret = cache_mkdirs(dir, err);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	if (OPTS_HAS(opts, max_bytes))
		c->max_bytes = opts->max_bytes;
	if (OPTS_HAS(opts, clock_ctx)) {
		c->clock_ms = opts->clock_ms;
		c->clock_ctx = opts->clock_ctx;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->marks_lock, NULL);
	ret = cache_open_db(c, err);
	if (ret) {
		cache_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nstmts; i++)
		sqlite3_finalize(c->stmts[i].st);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	cache_marks_destroy(c);
	pthread_mutex_destroy(&c->marks_lock);
	free(c);
}

void cache_key_digest(char out[EUCC_SHA256_HEX], const char *const *parts, size_t n)
{
	eucc_key_digest(out, parts, n);
}
