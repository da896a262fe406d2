/* SPDX-License-Identifier: Apache-2.0 */
/* cache verify: rehash every blob, adopt good files the index lacks, drop the rest. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_internal.h"

/* Streaming sha256 of a file. */
static int hash_file(const char *path, char hex[EUCC_SHA256_HEX], uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = cache_hash_fd(fd, hex, size);
	close(fd);
	return ret;
}

/* A good file: make sure its row exists with its size (a put that crashed after the rename). */
static int adopt(struct cache *c, const char *digest, uint64_t size)
{
	int64_t now = (int64_t)cache_now(c);
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	if (!ret && !cache_blob_stat(c, digest, NULL))
		ret = cache_sql_exec(
		    c,
		    "INSERT INTO blobs(digest, size, created, pending) VALUES(?1, ?2, ?3, ?3)"
		    " ON CONFLICT(digest) DO UPDATE SET size = ?2 WHERE size != ?2",
		    "tii", digest, (int64_t)size, now);
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int verify_file(struct cache *c, const char *path, const char *name,
		       struct cache_verify_result *res)
{
	char hex[EUCC_SHA256_HEX];
	uint64_t size = 0;
	int ret = hash_file(path, hex, &size);

	if (ret == -ENOENT) /* removed meanwhile */
		return 0;
	if (ret)
		return ret;
	res->blobs_checked++;
	if (!strcmp(hex, name))
		return adopt(c, name, size);
	eucc_warn("cache: blob %s is damaged (its content hashes to %s): dropped", name, hex);
	res->blobs_bad++;
	cache_mark_drop(c, name);
	return cache_drop_blob(c, name, &res->keys_dropped);
}

static int verify_dir(struct cache *c, const char *dir, const char *sub,
		      struct cache_verify_result *res)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	int ret = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!eucc_is_sha256_hex(de->d_name) || strncmp(de->d_name, sub, 2)) {
			eucc_warn("cache: %s is not a blob: left alone", path);
			continue;
		}
		ret = verify_file(c, path, de->d_name, res);
	}
	closedir(d);
	return ret;
}

static int verify_files(struct cache *c, struct cache_verify_result *res)
{
	char top[PATH_MAX + 16], dir[PATH_MAX + 300];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(top, sizeof(top), "%s/blobs/sha256", c->dir);
	d = opendir(top);
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", top, de->d_name);
		ret = verify_dir(c, dir, de->d_name, res);
	}
	closedir(d);
	return ret;
}

/* A row whose file is gone: drop it and its keys (re-checked under the write lock). */
static int drop_missing(struct cache *c, const char *digest, struct cache_verify_result *res)
{
	int k = 0, ret;

	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	if (!ret && cache_blob_stat(c, digest, NULL)) {
		k = ret = cache_sql_exec(c, "DELETE FROM keys WHERE digest = ?", "t", digest);
		if (ret >= 0)
			ret = cache_sql_exec(c, "DELETE FROM blobs WHERE digest = ?", "t", digest);
	}
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	else
		res->keys_dropped += (uint64_t)k;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int verify_rows(struct cache *c, struct cache_verify_result *res)
{
	struct blob_list l = {0};
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = cache_blob_query(c, "SELECT digest, size FROM blobs WHERE ?1 = ?1", 0, &l);
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; !ret && i < l.n; i++)
		if (cache_blob_stat(c, l.v[i].digest, NULL))
			ret = drop_missing(c, l.v[i].digest, res);
	free(l.v);
	if (ret)
		return ret;
	/* keys without a blob row (never made by this code; a damaged index) */
	pthread_mutex_lock(&c->lock);
	ret = cache_sql_exec(c,
			     "DELETE FROM keys WHERE NOT EXISTS"
			     " (SELECT 1 FROM blobs b WHERE b.digest = keys.digest)",
			     NULL);
	if (ret > 0)
		res->keys_dropped += (uint64_t)ret;
	/* and the totals from the rows, should they ever have drifted */
	if (ret >= 0)
		ret = cache_sql_exec(c,
				     "UPDATE totals SET blobs = (SELECT COUNT(*) FROM blobs),"
				     " bytes = (SELECT COALESCE(SUM(size), 0) FROM blobs)",
				     NULL);
	pthread_mutex_unlock(&c->lock);
	return ret < 0 ? ret : 0;
}

int cache_verify(struct cache *c, struct cache_verify_result *res, struct eucc_error *err)
{
	int ret;

	memset(res, 0, sizeof(*res));
	ret = verify_files(c, res);
	if (!ret)
		ret = verify_rows(c, res);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_CACHE, "cache %s: verify failed: %s", c->dir,
				      strerror(-ret));
	return 0;
}
