/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Puts: blobs written to temp files and renamed into place, and the keys that name them, any
 * number of them in one write transaction (cache_put); cache_blob_put is one blob without a key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

#define TMP_PATH (PATH_MAX + 32)

/*
 * DIR/tmp/blob-XXXXXX with @data, its data on disk (fdatasync) before the caller renames it
 * into place (docs/cache.md, "Crash safety"): after a power loss a blob under its name is whole.
 * What could still be lost is the last renames and rows, never a blob's content under its name;
 * and every read and the first serving of a blob after a start hash it anyway.
 */
static int temp_write(struct cache *c, const void *data, size_t size, char tmp[TMP_PATH])
{
	int fd, ret;

	snprintf(tmp, TMP_PATH, "%s/tmp/blob-XXXXXX", c->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*tmp = '\0';
		return -errno;
	}
	ret = fs_write_all(fd, data, size);
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		*tmp = '\0';
	}
	return ret;
}

/* DIR/blobs/sha256/ab, made when new. */
static int blob_dir(struct cache *c, const char *digest)
{
	char dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/blobs/sha256/%.2s", c->dir, digest);
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/*
 * In the write transaction: @e's file in place and its row, marked as just put (so that gc
 * leaves it alone until a key names it). @tmp is its temp file, or "" when the file was found
 * intact before the transaction; if it has gone since (gc unlinks under the same write lock),
 * it is written again here. Under the lock, gc cannot remove a file between its rename and its
 * row.
 */
static int blob_place_txn(struct cache *c, const struct cache_entry *e, char tmp[TMP_PATH])
{
	char path[PATH_MAX + 128];
	uint64_t fsize;
	int ret = 0;

	if (!*tmp && (cache_blob_stat(c, e->digest, &fsize) || fsize != e->size))
		ret = temp_write(c, e->data, e->size, tmp);
	if (!ret && *tmp) {
		cache_blob_file(c, e->digest, path, sizeof(path));
		ret = blob_dir(c, e->digest);
		if (!ret && rename(tmp, path))
			ret = -errno;
		if (!ret)
			*tmp = '\0';
	}
	if (!ret)
		ret = cache_sql_exec(
		    c,
		    "INSERT INTO blobs(digest, size, created, pending) VALUES(?1, ?2, ?3, ?3)"
		    " ON CONFLICT(digest) DO UPDATE SET size = ?2, pending = ?3",
		    "tii", e->digest, (int64_t)e->size, (int64_t)cache_now(c));
	return ret < 0 ? ret : 0;
}

/* The file just put holds the content put: mark it verified. */
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

/* True if no entry before @i has the same blob (that one writes it). */
static bool first_of_blob(const struct cache_entry *v, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(v[j].digest, v[i].digest))
			return false;
	return true;
}

/* One transaction: every blob in place with its row, every key pointed at its blob. */
static int put_txn(struct cache *c, struct cache_entry *v, size_t n, char (*tmp)[TMP_PATH])
{
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = cache_begin(c);
	for (size_t i = 0; !ret && i < n; i++) {
		if (first_of_blob(v, i))
			ret = blob_place_txn(c, &v[i], tmp[i]);
		if (!ret && v[i].ns)
			ret = cache_key_put_txn(c, v[i].ns, v[i].key, v[i].digest, v[i].meta);
	}
	ret = cache_end(c, ret);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int cache_put(struct cache *c, struct cache_entry *v, size_t n)
{
	char(*tmp)[TMP_PATH];
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		eucc_sha256_hex(v[i].data ? v[i].data : "", v[i].size, v[i].digest);
		if ((!v[i].data && v[i].size) ||
		    (v[i].ns && !cache_key_args_ok(v[i].ns, v[i].key, v[i].meta)))
			ret = -EINVAL;
	}
	if (ret || !n)
		return ret;
	tmp = calloc(n, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	/* Written before the lock; a file that is there but damaged is replaced by the rename. */
	for (size_t i = 0; !ret && i < n; i++)
		if (first_of_blob(v, i) && !cache_blob_intact(c, v[i].digest))
			ret = temp_write(c, v[i].data, v[i].size, tmp[i]);
	if (!ret)
		ret = put_txn(c, v, n, tmp);
	for (size_t i = 0; i < n; i++)
		if (tmp[i][0])
			unlink(tmp[i]);
	free(tmp);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (first_of_blob(v, i))
			mark_put(c, v[i].digest);
	if (over_cap(c))
		cache_evict(c, NULL);
	return 0;
}

int cache_blob_put(struct cache *c, const void *data, size_t size, char digest[EUCC_SHA256_HEX])
{
	struct cache_entry e = {.data = data, .size = size};
	int ret = cache_put(c, &e, 1);

	memcpy(digest, e.digest, EUCC_SHA256_HEX);
	return ret;
}
