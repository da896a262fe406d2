/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs: content-addressed files, written to a temp file and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

/*
 * DIR/tmp/blob-XXXXXX with @data. Not fsynced (docs/cache.md, "Crash safety"): the rename
 * makes the whole file appear at once to every process, and what a power loss may leave torn
 * is found by the hash that every read and the first serving of a blob after a start do.
 */
static int temp_write(struct cache *c, const void *data, size_t size, char *tmp, size_t tmp_size)
{
	int fd, ret;

	snprintf(tmp, tmp_size, "%s/tmp/blob-XXXXXX", c->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fs_write_all(fd, data, size);
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* Row and file both there (same size): mark it as just put, so that gc leaves it alone. */
static int blob_present(struct cache *c, const char *digest)
{
	int64_t size, now = (int64_t)cache_now(c);
	uint64_t fsize;
	int ret, found;

	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	if (ret)
		goto out;
	found = ret =
	    cache_sql_int(c, &size, "SELECT size FROM blobs WHERE digest = ?", "t", digest);
	if (found == 1)
		found = !cache_blob_stat(c, digest, &fsize) && fsize == (uint64_t)size;
	if (found == 1)
		ret = cache_sql_exec(
		    c, "UPDATE blobs SET pending = ?2 WHERE digest = ?1 AND pending < ?3", "tii",
		    digest, now, now - CACHE_PENDING_MS / 2);
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
out:
	pthread_mutex_unlock(&c->lock);
	return ret ? ret : found;
}

/* DIR/blobs/sha256/ab, made when new. */
static int blob_dir(struct cache *c, const char *digest, char *dir, size_t size)
{
	snprintf(dir, size, "%s/blobs/sha256/%.2s", c->dir, digest);
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* Rename the temp file into place and record it; under the write lock, so that gc (which
 * unlinks under it too) cannot remove the file between the rename and the row. */
static int blob_commit(struct cache *c, const char *tmp, const char *digest, size_t size)
{
	char path[PATH_MAX + 128], dir[PATH_MAX + 64];
	int64_t now = (int64_t)cache_now(c);
	int ret;

	cache_blob_file(c, digest, path, sizeof(path));
	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	if (!ret)
		ret = blob_dir(c, digest, dir, sizeof(dir));
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (!ret)
		ret = cache_sql_exec(
		    c,
		    "INSERT INTO blobs(digest, size, created, pending) VALUES(?1, ?2, ?3, ?3)"
		    " ON CONFLICT(digest) DO UPDATE SET size = ?2, pending = ?3",
		    "tii", digest, (int64_t)size, now);
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret)
		cache_rollback(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* The file just renamed into place holds the content put: mark it verified. */
static void mark_put(struct cache *c, const char *digest)
{
	char path[PATH_MAX + 128];
	struct stat st;

	cache_blob_file(c, digest, path, sizeof(path));
	if (!lstat(path, &st) && S_ISREG(st.st_mode))
		cache_mark_set(c, digest, &st);
}

static bool over_cap(struct cache *c)
{
	int64_t bytes = 0;

	if (!c->max_bytes)
		return false;
	pthread_mutex_lock(&c->lock);
	cache_sql_int(c, &bytes, "SELECT bytes FROM totals", NULL);
	pthread_mutex_unlock(&c->lock);
	return (uint64_t)bytes > c->max_bytes;
}

int cache_blob_put(struct cache *c, const void *data, size_t size, char digest[EUCC_SHA256_HEX])
{
	char tmp[PATH_MAX + 32];
	int ret;

	if (!data && size)
		return -EINVAL;
	eucc_sha256_hex(data ? data : "", size, digest);
	/* A file that is there but damaged is replaced by this put (the rename below). */
	if (cache_blob_intact(c, digest)) {
		ret = blob_present(c, digest);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	ret = temp_write(c, data, size, tmp, sizeof(tmp));
	if (ret)
		return ret;
	ret = blob_commit(c, tmp, digest, size);
	if (ret) {
		unlink(tmp);
		return ret;
	}
	mark_put(c, digest);
	if (over_cap(c))
		cache_evict(c, NULL);
	return 0;
}

int cache_blob_path(struct cache *c, const char *digest, char *path, size_t path_size,
		    uint64_t *size)
{
	if (!eucc_is_sha256_hex(digest))
		return -EINVAL;
	if (cache_blob_stat(c, digest, size))
		return -ENOENT;
	cache_blob_file(c, digest, path, path_size);
	return 0;
}

/* Read and check a blob; a blob whose content no longer matches its name is dropped. */
int cache_blob_read(struct cache *c, const char *digest, void **data, size_t *size)
{
	char path[PATH_MAX + 128], hex[EUCC_SHA256_HEX];
	void *buf;
	size_t len;
	int ret;

	if (!eucc_is_sha256_hex(digest))
		return -EINVAL;
	cache_blob_file(c, digest, path, sizeof(path));
	ret = fs_read_file(path, SIZE_MAX / 2, &buf, &len);
	if (ret)
		return ret == -ENOENT ? -ENOENT : ret;
	eucc_sha256_hex(buf, len, hex);
	if (strcmp(hex, digest)) {
		free(buf);
		cache_damaged(c, digest, hex);
		return -ENOENT;
	}
	*data = buf;
	*size = len;
	return 0;
}

/* One transaction: delete the keys naming @digest, and with @row its row and file too. */
static int drop_txn(struct cache *c, const char *digest, bool row, uint64_t *keys_dropped)
{
	char path[PATH_MAX + 128];
	int k, ret = cache_begin(c);

	if (ret)
		return ret;
	k = ret = cache_sql_exec(c, "DELETE FROM keys WHERE digest = ?", "t", digest);
	if (row && ret >= 0)
		ret = cache_sql_exec(c, "DELETE FROM blobs WHERE digest = ?", "t", digest);
	cache_blob_file(c, digest, path, sizeof(path));
	if (row && ret >= 0 && unlink(path) && errno != ENOENT)
		ret = -errno;
	if (ret >= 0)
		ret = cache_commit(c);
	if (ret) {
		cache_rollback(c);
		return ret;
	}
	*keys_dropped += (uint64_t)k;
	return 0;
}

/*
 * Keys first, committed; then (again) keys, the row and the file in one transaction, the file
 * unlinked before the commit: a put renames under the same write lock, so it is never undone,
 * and a crash before the commit leaves only an unreferenced row without its file.
 */
int cache_drop_blob(struct cache *c, const char *digest, uint64_t *keys_dropped)
{
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = drop_txn(c, digest, false, keys_dropped);
	if (!ret)
		ret = drop_txn(c, digest, true, keys_dropped);
	pthread_mutex_unlock(&c->lock);
	return ret;
}
