/* SPDX-License-Identifier: Apache-2.0 */
/* Keys: (namespace, key) -> blob digest + metadata, with the last use for LRU. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_internal.h"

#define NS_MAX	 64
#define KEY_MAX	 1024
#define META_MAX ((size_t)4 << 20)

static const char *const cache_ns[4] = {"object", "kernel", "package", "artifact"};

static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	return n > 0 && n <= max;
}

bool cache_key_args_ok(const char *ns, const char *key, const char *meta)
{
	return name_ok(ns, NS_MAX) && name_ok(key, KEY_MAX) &&
	       (!meta || strnlen(meta, META_MAX + 1) <= META_MAX);
}

int cache_key_put_txn(struct cache *c, const char *ns, const char *key, const char *digest,
		      const char *meta)
{
	int64_t size, now = (int64_t)cache_now(c);
	int ret = cache_sql_int(c, &size, "SELECT size FROM blobs WHERE digest = ?", "t", digest);

	if (ret == 0 || (ret == 1 && cache_blob_stat(c, digest, NULL)))
		return -ENOENT;
	if (ret < 0)
		return ret;
	ret =
	    cache_sql_exec(c,
			   "INSERT INTO keys(ns, key, digest, meta, size, created, last_used)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT(ns, key) DO UPDATE SET"
			   " digest = ?3, meta = ?4, size = ?5, last_used = ?6",
			   "ttttii", ns, key, digest, meta, size, now);
	if (ret >= 0) /* named by a key now: no longer "just put" */
		ret =
		    cache_sql_exec(c, "UPDATE blobs SET pending = 0 WHERE digest = ?", "t", digest);
	return ret < 0 ? ret : 0;
}

int cache_key_put(struct cache *c, const char *ns, const char *key, const char *digest,
		  const char *meta)
{
	int ret;

	if (!cache_key_args_ok(ns, key, meta) || !digest || !eucc_is_sha256_hex(digest))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	if (!ret)
		ret = cache_end(c, cache_key_put_txn(c, ns, key, digest, meta));
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* A hit: check the blob's file, touch last_used at most once per CACHE_TOUCH_MS. */
static int key_hit(struct cache *c, const char *ns, const char *key, const char *digest,
		   int64_t last_used)
{
	int64_t now = (int64_t)cache_now(c);
	int ret;

	if (cache_blob_stat(c, digest, NULL)) {
		eucc_warn("cache: %s key %s names blob %s, which is missing: dropped", ns, key,
			  digest);
		ret = cache_sql_exec(c, "DELETE FROM keys WHERE ns = ? AND key = ? AND digest = ?",
				     "ttt", ns, key, digest);
		return ret < 0 ? ret : -ENOENT;
	}
	if (now - last_used < CACHE_TOUCH_MS)
		return 0;
	ret = cache_sql_exec(c, "UPDATE keys SET last_used = ? WHERE ns = ? AND key = ?", "itt",
			     now, ns, key);
	return ret < 0 ? ret : 0;
}

static int key_lookup(struct cache *c, const char *ns, const char *key,
		      char digest[EUCC_SHA256_HEX], char **meta)
{
	sqlite3_stmt *st;
	const char *d, *m;
	int64_t last_used;
	int ret =
	    cache_sql(c, &st, "SELECT digest, meta, last_used FROM keys WHERE ns = ? AND key = ?",
		      "tt", ns, key);
	int rc;

	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = rc == SQLITE_DONE ? -ENOENT : cache_sql_errno(c, rc);
		cache_sql_done(c, st);
		return ret;
	}
	d = (const char *)sqlite3_column_text(st, 0);
	m = (const char *)sqlite3_column_text(st, 1);
	last_used = sqlite3_column_int64(st, 2);
	snprintf(digest, EUCC_SHA256_HEX, "%s", d ? d : "");
	if (meta)
		*meta = m ? strdup(m) : NULL;
	ret = meta && m && !*meta ? -ENOMEM : 0;
	cache_sql_done(c, st);
	if (!ret)
		ret = key_hit(c, ns, key, digest, last_used);
	if (ret && meta) {
		free(*meta);
		*meta = NULL;
	}
	return ret;
}

int cache_key_get(struct cache *c, const char *ns, const char *key, char digest[EUCC_SHA256_HEX],
		  char **meta)
{
	int ret;

	if (meta)
		*meta = NULL;
	if (!name_ok(ns, NS_MAX) || !name_ok(key, KEY_MAX))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	ret = key_lookup(c, ns, key, digest, meta);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int stats_query(struct cache *c, struct cache_stats *st)
{
	sqlite3_stmt *q;
	int64_t v = 0;
	int ret, rc;

	ret = cache_sql_int(c, &v, "SELECT blobs FROM totals", NULL);
	st->blobs = (uint64_t)v;
	if (ret >= 0)
		ret = cache_sql_int(c, &v, "SELECT bytes FROM totals", NULL);
	st->blob_bytes = (uint64_t)v;
	if (ret >= 0)
		ret = cache_sql(c, &q, "SELECT ns, COUNT(*) FROM keys GROUP BY ns", NULL);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *ns = (const char *)sqlite3_column_text(q, 0);
		uint64_t n = (uint64_t)sqlite3_column_int64(q, 1);

		st->keys += n;
		for (size_t i = 0; ns && i < 4; i++)
			if (!strcmp(ns, cache_ns[i]))
				st->keys_by_ns[i] = n;
	}
	ret = rc == SQLITE_DONE ? 0 : cache_sql_errno(c, rc);
	cache_sql_done(c, q);
	return ret;
}

int cache_stats(struct cache *c, struct cache_stats *st, struct eucc_error *err)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->max_bytes = c->max_bytes;
	pthread_mutex_lock(&c->lock);
	ret = stats_query(c, st);
	pthread_mutex_unlock(&c->lock);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_CACHE, "cache %s: cannot read the index: %s",
				      c->dir, strerror(-ret));
	return 0;
}
