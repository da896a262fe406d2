/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serving only verified bytes: a blob is hashed the first time it is opened for serving (or
 * put, or read) by this process, and marked as verified with the identity of its file (device,
 * inode, size, mtime, ctime). Later opens trust the mark while the file is the same; a file that
 * was rewritten, truncated or replaced is hashed again. A blob whose content does not match its
 * digest is damaged: it is dropped with its keys and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cache_internal.h"

struct cache_mark {
	struct cache_mark *next;
	char digest[EUCC_SHA256_HEX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static size_t mark_bucket(const char *digest)
{
	char head[9];

	snprintf(head, sizeof(head), "%.8s", digest);
	return (size_t)strtoul(head, NULL, 16) % CACHE_MARK_BUCKETS;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool mark_matches(const struct cache_mark *m, const struct stat *st)
{
	return m->dev == st->st_dev && m->ino == st->st_ino && m->size == st->st_size &&
	       same_time(&m->mtime, &st->st_mtim) && same_time(&m->ctime, &st->st_ctim);
}

/* Call with marks_lock held. */
static struct cache_mark **mark_find(struct cache *c, const char *digest)
{
	struct cache_mark **p = &c->marks[mark_bucket(digest)];

	while (*p && strcmp((*p)->digest, digest))
		p = &(*p)->next;
	return p;
}

static void marks_free(struct cache *c)
{
	for (size_t i = 0; i < CACHE_MARK_BUCKETS; i++) {
		for (struct cache_mark *m = c->marks[i], *next; m; m = next) {
			next = m->next;
			free(m);
		}
		c->marks[i] = NULL;
	}
	c->nmarks = 0;
}

bool cache_mark_valid(struct cache *c, const char *digest, const struct stat *st)
{
	const struct cache_mark *m;
	bool ok;

	pthread_mutex_lock(&c->marks_lock);
	m = *mark_find(c, digest);
	ok = m && mark_matches(m, st);
	pthread_mutex_unlock(&c->marks_lock);
	return ok;
}

void cache_mark_set(struct cache *c, const char *digest, const struct stat *st)
{
	struct cache_mark **p, *m;

	pthread_mutex_lock(&c->marks_lock);
	p = mark_find(c, digest);
	if (!*p && c->nmarks >= CACHE_MARK_MAX)
		marks_free(c); /* rare: forget all, they are hashed again on their next use */
	p = mark_find(c, digest);
	m = *p;
	if (!m && (m = calloc(1, sizeof(*m)))) {
		snprintf(m->digest, sizeof(m->digest), "%s", digest);
		*p = m;
		c->nmarks++;
	}
	if (m) {
		m->dev = st->st_dev;
		m->ino = st->st_ino;
		m->size = st->st_size;
		m->mtime = st->st_mtim;
		m->ctime = st->st_ctim;
	}
	pthread_mutex_unlock(&c->marks_lock);
}

void cache_mark_drop(struct cache *c, const char *digest)
{
	struct cache_mark **p, *m;

	pthread_mutex_lock(&c->marks_lock);
	p = mark_find(c, digest);
	m = *p;
	if (m) {
		*p = m->next;
		free(m);
		c->nmarks--;
	}
	pthread_mutex_unlock(&c->marks_lock);
}

void cache_marks_destroy(struct cache *c)
{
	marks_free(c);
}

int cache_hash_fd(int fd, char hex[EUCC_SHA256_HEX], uint64_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	uint64_t off = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ssize_t n;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	while ((n = pread(fd, buf, sizeof(buf), (off_t)off)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	n = n < 0 ? -errno : 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = off;
	return (int)n;
}

void cache_damaged(struct cache *c, const char *digest, const char *actual)
{
	uint64_t dropped = 0;

	eucc_warn("cache: blob %s is damaged (its content hashes to %s): dropped", digest, actual);
	atomic_fetch_add(&c->damaged, 1);
	cache_mark_drop(c, digest);
	cache_drop_blob(c, digest, &dropped);
}

uint64_t cache_damaged_count(struct cache *c)
{
	return atomic_load(&c->damaged);
}

/* The file of @digest open, or -ENOENT if it is missing or not a regular file. */
static int blob_open_file(struct cache *c, const char *digest, struct stat *st)
{
	char path[PATH_MAX + 128];
	int fd;

	cache_blob_file(c, digest, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Hash the open file unless its mark says it was verified as it is; 0 good, -ENOENT damaged. */
static int blob_verify_fd(struct cache *c, const char *digest, int fd, const struct stat *st)
{
	char hex[EUCC_SHA256_HEX];
	int ret;

	if (cache_mark_valid(c, digest, st))
		return 0;
	ret = cache_hash_fd(fd, hex, NULL);
	if (ret)
		return ret;
	if (strcmp(hex, digest)) {
		cache_damaged(c, digest, hex);
		return -ENOENT;
	}
	cache_mark_set(c, digest, st);
	return 0;
}

int cache_blob_open(struct cache *c, const char *digest, int *fd, uint64_t *size)
{
	struct stat st;
	int f, ret;

	if (!eucc_is_sha256_hex(digest))
		return -EINVAL;
	f = blob_open_file(c, digest, &st);
	if (f < 0)
		return f;
	ret = blob_verify_fd(c, digest, f, &st);
	if (ret) {
		close(f);
		return ret;
	}
	*fd = f;
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

int cache_blob_check(struct cache *c, const char *digest)
{
	int fd, ret = cache_blob_open(c, digest, &fd, NULL);

	if (!ret)
		close(fd);
	return ret;
}

bool cache_blob_intact(struct cache *c, const char *digest)
{
	char hex[EUCC_SHA256_HEX];
	struct stat st;
	int fd = blob_open_file(c, digest, &st);
	bool ok;

	if (fd < 0)
		return false;
	ok = cache_mark_valid(c, digest, &st);
	if (!ok && !cache_hash_fd(fd, hex, NULL)) {
		ok = !strcmp(hex, digest);
		if (ok) {
			cache_mark_set(c, digest, &st);
		} else {
			eucc_warn("cache: blob %s is damaged (its content hashes to %s): rewritten",
				  digest, hex);
			atomic_fetch_add(&c->damaged, 1);
		}
	}
	close(fd);
	return ok;
}
