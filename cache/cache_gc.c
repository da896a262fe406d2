/* SPDX-License-Identifier: Apache-2.0 */
/* Eviction under the size cap (LRU keys, then unreferenced blobs) and stale temp files. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_internal.h"

/* A blob is live while a key names it or while it was put in the last CACHE_PENDING_MS. */
#define REFERENCED   "EXISTS(SELECT 1 FROM keys k WHERE k.digest = b.digest)"
#define UNREFERENCED "NOT " REFERENCED
#define LIVE_BYTES   "SELECT COALESCE(SUM(size), 0) FROM blobs b WHERE b.pending >= ?1 OR " REFERENCED

/* Delete the least recently used key; the bytes this frees (0 if its blob stays live). */
static int evict_one(struct cache *c, int64_t cutoff, int64_t *freed)
{
	sqlite3_stmt *st;
	char ns[128], key[2048], digest[EUCC_SHA256_HEX];
	int ret = cache_sql(
	    c, &st, "SELECT ns, key, digest FROM keys ORDER BY last_used, ns, key LIMIT 1", NULL);
	int rc;

	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(ns, sizeof(ns), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(key, sizeof(key), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(digest, sizeof(digest), "%s", (const char *)sqlite3_column_text(st, 2));
	}
	cache_sql_done(c, st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : cache_sql_errno(c, rc);
	ret = cache_sql_exec(c, "DELETE FROM keys WHERE ns = ? AND key = ?", "tt", ns, key);
	if (ret < 0)
		return ret;
	*freed = 0;
	ret = cache_sql_int(
	    c, freed,
	    "SELECT size FROM blobs b WHERE digest = ?2 AND pending < ?1 AND " UNREFERENCED, "it",
	    cutoff, digest);
	return ret < 0 ? ret : 1;
}

/* Delete LRU keys until the live blobs fit under the cap; one transaction, committed. */
static int evict_keys(struct cache *c, int64_t cutoff, struct cache_gc_result *res)
{
	int64_t live = 0, freed;
	int ret = cache_begin(c);

	if (!ret)
		ret = cache_sql_int(c, &live, LIVE_BYTES, "i", cutoff);
	while (ret >= 0 && (uint64_t)live > c->max_bytes) {
		ret = evict_one(c, cutoff, &freed);
		if (ret <= 0)
			break;
		res->keys_evicted++;
		live -= freed;
	}
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	return ret;
}

static int blob_list_add(struct blob_list *l, const char *digest, int64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct blob_ref *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n].digest, EUCC_SHA256_HEX, "%s", digest ? digest : "");
	l->v[l->n++].size = size;
	return 0;
}

int cache_blob_query(struct cache *c, const char *sql, int64_t arg, struct blob_list *l)
{
	sqlite3_stmt *st;
	int ret = cache_sql(c, &st, sql, "i", arg);
	int rc = SQLITE_DONE;

	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = blob_list_add(l, (const char *)sqlite3_column_text(st, 0),
				    sqlite3_column_int64(st, 1));
	if (!ret && rc != SQLITE_DONE)
		ret = cache_sql_errno(c, rc);
	cache_sql_done(c, st);
	return ret;
}

/* Remove every blob no key names that was not just put: rows and files, one transaction
 * (files unlinked before the commit, under the write lock a put also takes). */
static int remove_blobs(struct cache *c, int64_t cutoff, struct cache_gc_result *res)
{
	struct blob_list l = {0};
	char path[PATH_MAX + 128];
	int ret = cache_begin(c);

	if (!ret)
		ret = cache_blob_query(
		    c, "SELECT digest, size FROM blobs b WHERE pending < ?1 AND " UNREFERENCED,
		    cutoff, &l);
	for (size_t i = 0; !ret && i < l.n; i++) {
		ret = cache_sql_exec(c, "DELETE FROM blobs WHERE digest = ?", "t", l.v[i].digest);
		if (ret < 0)
			break;
		ret = 0;
		cache_blob_file(c, l.v[i].digest, path, sizeof(path));
		if (unlink(path) && errno != ENOENT)
			eucc_warn("cache: cannot remove %s: %s", path, strerror(errno));
		res->blobs_removed++;
		res->bytes_freed += (uint64_t)l.v[i].size;
	}
	if (!ret)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	free(l.v);
	return ret;
}

/* Temp files of writers that crashed: older than CACHE_TEMP_AGE_S (real time). */
static void remove_temp(struct cache *c, struct cache_gc_result *res)
{
	char dir[PATH_MAX + 8], path[PATH_MAX + 300];
	time_t old = time(NULL) - CACHE_TEMP_AGE_S;
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tmp", c->dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= old)
			continue;
		if (!unlink(path))
			res->temp_removed++;
	}
	closedir(d);
}

int cache_evict(struct cache *c, struct cache_gc_result *res)
{
	struct cache_gc_result local = {0};
	int64_t cutoff;
	int ret = 0;

	if (!res)
		res = &local;
	pthread_mutex_lock(&c->lock);
	cutoff = (int64_t)cache_now(c) - CACHE_PENDING_MS;
	if (c->max_bytes)
		ret = evict_keys(c, cutoff, res);
	if (!ret)
		ret = remove_blobs(c, cutoff, res);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int cache_gc(struct cache *c, struct cache_gc_result *res, struct eucc_error *err)
{
	int ret;

	memset(res, 0, sizeof(*res));
	remove_temp(c, res);
	ret = cache_evict(c, res);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_CACHE, "cache %s: gc failed: %s", c->dir,
				      strerror(-ret));
	return 0;
}
