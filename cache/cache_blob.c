/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs: content-addressed files (puts are cache_put.c): paths, reads, drops. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

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
