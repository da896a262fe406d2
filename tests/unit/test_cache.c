/* SPDX-License-Identifier: Apache-2.0 */
/* The cache: blobs, keys, LRU eviction, verify, restart, threads, and kill -9 at random moments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"

/* ---- helpers ---------------------------------------------------------------------------- */

struct fake_clock {
	uint64_t ms;
};

static uint64_t fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->ms;
}

struct fx {
	char dir[64];
	struct cache *c;
	struct fake_clock clock;
};

static struct cache *open_cache(const char *dir, uint64_t max_bytes, struct fake_clock *clock)
{
	struct cache_opts o = {.sz = sizeof(o), .max_bytes = max_bytes};
	struct eucc_error err = {0};
	struct cache *c = NULL;

	if (clock) {
		o.clock_ms = fake_now;
		o.clock_ctx = clock;
	}
	if (cache_open(dir, &o, &c, &err))
		fail_msg("cache_open %s: %s", dir, err.message);
	return c;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/eucc-cache-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->clock.ms = 1700000000000ull;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	cache_close(fx->c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd))
		return -1;
	free(fx);
	return 0;
}

/* Deterministic content for (a, b) of @size bytes. */
static void fill(unsigned char *p, size_t size, unsigned int a, unsigned int b)
{
	uint32_t x = a * 2654435761u ^ (b + 0x9e3779b9u);

	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

/* Put @size bytes of content (a, b) under ("object", @key). */
static void put_key(struct cache *c, const char *key, size_t size, unsigned int a, unsigned int b,
		    char digest[EUCC_SHA256_HEX])
{
	unsigned char *data = malloc(size);

	fill(data, size, a, b);
	assert_int_equal(cache_blob_put(c, data, size, digest), 0);
	assert_int_equal(cache_key_put(c, "object", key, digest, NULL), 0);
	free(data);
}

static bool hit(struct cache *c, const char *key)
{
	char digest[EUCC_SHA256_HEX];

	return cache_key_get(c, "object", key, digest, NULL) == 0;
}

static void blob_file(const struct fx *fx, const char *digest, char *path, size_t size)
{
	snprintf(path, size, "%s/blobs/sha256/%.2s/%s", fx->dir, digest, digest);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_key_digest(void **state)
{
	const char *abc[] = {"ab", "c"}, *a_bc[] = {"a", "bc"}, *with_null[] = {"x", NULL},
		   *with_empty[] = {"x", ""};
	char d1[EUCC_SHA256_HEX], d2[EUCC_SHA256_HEX];

	(void)state;
	cache_key_digest(d1, abc, 2);
	assert_string_equal(d1, "601d5476e2ccfe2c87a2bba7a322659734a05749d5b5aa781f513e4912db0d5f");
	cache_key_digest(d2, a_bc, 2);
	assert_string_equal(d2, "3fafa1cf2f19a7c1129beb20cf0983f73a489a221fc0dd2f16d1be292d089205");
	cache_key_digest(d1, NULL, 0);
	assert_string_equal(d1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cache_key_digest(d1, with_null, 2);
	cache_key_digest(d2, with_empty, 2);
	assert_string_equal(d1, d2);
	cache_key_digest(d2, with_empty, 1);
	assert_string_not_equal(d1, d2);
}

static void test_put_get(void **state)
{
	struct fx *fx = *state;
	char d[EUCC_SHA256_HEX], d2[EUCC_SHA256_HEX], got[EUCC_SHA256_HEX], path[512];
	struct eucc_error err = {0};
	struct cache_stats st;
	uint64_t size;
	char *meta;
	void *data;
	size_t len;

	fx->c = open_cache(fx->dir, 0, NULL);
	assert_int_equal(cache_blob_put(fx->c, "hello", 5, d), 0);
	assert_string_equal(d, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(cache_blob_put(fx->c, "hello", 5, d2), 0); /* no-op */
	assert_string_equal(d, d2);
	assert_int_equal(cache_blob_read(fx->c, d, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	assert_int_equal(cache_blob_path(fx->c, d, path, sizeof(path), &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(access(path, R_OK), 0);
	assert_non_null(strstr(path, "/blobs/sha256/2c/2cf24dba"));
	/* keys */
	assert_int_equal(cache_key_put(fx->c, "object", "k1", d, "{\"a\":1}"), 0);
	assert_int_equal(cache_key_get(fx->c, "object", "k1", got, &meta), 0);
	assert_string_equal(got, d);
	assert_string_equal(meta, "{\"a\":1}");
	free(meta);
	assert_int_equal(cache_key_get(fx->c, "object", "k1", got, NULL), 0);
	/* a miss, a namespace miss, a key on an unknown blob, bad arguments */
	assert_int_equal(cache_key_get(fx->c, "object", "nope", got, &meta), -ENOENT);
	assert_null(meta);
	assert_int_equal(cache_key_get(fx->c, "kernel", "k1", got, NULL), -ENOENT);
	memset(d2, 'a', 64);
	assert_int_equal(cache_key_put(fx->c, "object", "k2", d2, NULL), -ENOENT);
	assert_int_equal(cache_blob_read(fx->c, d2, &data, &len), -ENOENT);
	assert_int_equal(cache_blob_path(fx->c, d2, path, sizeof(path), &size), -ENOENT);
	assert_int_equal(cache_key_put(fx->c, "", "k2", d, NULL), -EINVAL);
	assert_int_equal(cache_key_put(fx->c, "object", "k2", "xyz", NULL), -EINVAL);
	assert_int_equal(cache_blob_read(fx->c, "../../etc/passwd", &data, &len), -EINVAL);
	/* repoint a key, NULL meta, an empty blob */
	assert_int_equal(cache_blob_put(fx->c, "", 0, d2), 0);
	assert_int_equal(cache_key_put(fx->c, "object", "k1", d2, NULL), 0);
	assert_int_equal(cache_key_get(fx->c, "object", "k1", got, &meta), 0);
	assert_string_equal(got, d2);
	assert_null(meta);
	assert_int_equal(cache_key_put(fx->c, "artifact", d, d, NULL), 0);
	assert_int_equal(cache_key_put(fx->c, "kernel", "k", d, NULL), 0);
	assert_int_equal(cache_key_put(fx->c, "other", "k", d, NULL), 0);
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blobs, 2);
	assert_int_equal(st.blob_bytes, 5);
	assert_int_equal(st.keys, 4);
	assert_int_equal(st.keys_by_ns[0], 1);
	assert_int_equal(st.keys_by_ns[1], 1);
	assert_int_equal(st.keys_by_ns[2], 0);
	assert_int_equal(st.keys_by_ns[3], 1);
	assert_int_equal(st.max_bytes, 0);
}

/* Least recently used goes first; a put that crosses the cap evicts by itself. */
static void test_lru(void **state)
{
	struct fx *fx = *state;
	char d[EUCC_SHA256_HEX];
	struct eucc_error err = {0};
	struct cache_stats st;

	fx->c = open_cache(fx->dir, 3500, &fx->clock);
	put_key(fx->c, "a", 1000, 1, 0, d);
	fx->clock.ms += 10000;
	put_key(fx->c, "b", 1000, 2, 0, d);
	fx->clock.ms += 10000;
	put_key(fx->c, "c", 1000, 3, 0, d);
	fx->clock.ms += 10000;
	assert_true(hit(fx->c, "a")); /* a is now newer than b and c */
	fx->clock.ms += 10000;
	put_key(fx->c, "d", 1000, 4, 0, d); /* 4000 > 3500: b goes */
	assert_false(hit(fx->c, "b"));
	assert_true(hit(fx->c, "c") && hit(fx->c, "a") && hit(fx->c, "d"));
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blob_bytes, 3000);
	assert_int_equal(st.blobs, 3);
	assert_int_equal(st.max_bytes, 3500);
	/* a, c, d were last used at the same time: ties go by (ns, key), so a goes */
	fx->clock.ms += 10000;
	put_key(fx->c, "e", 1000, 5, 0, d);
	assert_false(hit(fx->c, "a"));
	/* a hit within CACHE_TOUCH_MS (1 s) of the last use does not touch the key again */
	fx->clock.ms += 50000;
	assert_true(hit(fx->c, "c"));
	fx->clock.ms += 300;
	assert_true(hit(fx->c, "d") && hit(fx->c, "e"));
	fx->clock.ms += 300;
	assert_true(hit(fx->c, "c")); /* 0.6 s later: c stays older than d and e */
	put_key(fx->c, "f", 1000, 6, 0, d);
	assert_false(hit(fx->c, "c"));
	assert_true(hit(fx->c, "d") && hit(fx->c, "e") && hit(fx->c, "f"));
	/* a blob of two slots: the two least recently used keys go (d, then f) */
	fx->clock.ms += 10000;
	assert_true(hit(fx->c, "e"));
	fx->clock.ms += 10000;
	put_key(fx->c, "big", 2000, 7, 0, d);
	assert_false(hit(fx->c, "d"));
	assert_false(hit(fx->c, "f"));
	assert_true(hit(fx->c, "e") && hit(fx->c, "big"));
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blob_bytes, 3000);
	assert_int_equal(st.keys, 2);
}

/* A blob put without a key is kept for a while (put -> key_put), then gc removes it. */
static void test_gc_unreferenced(void **state)
{
	struct fx *fx = *state;
	char d[EUCC_SHA256_HEX], path[512];
	struct cache_gc_result r;
	struct eucc_error err = {0};
	struct timeval old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
	int fd;

	fx->c = open_cache(fx->dir, 0, &fx->clock);
	put_key(fx->c, "kept", 100, 1, 1, d);
	assert_int_equal(cache_blob_put(fx->c, "loose", 5, d), 0);
	snprintf(path, sizeof(path), "%s/tmp/blob-old", fx->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_int_equal(utimes(path, old), 0);
	snprintf(path, sizeof(path), "%s/tmp/blob-new", fx->dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	fx->clock.ms += 30000;
	assert_int_equal(cache_gc(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_removed, 0);
	assert_int_equal(r.temp_removed, 1);
	assert_int_equal(access(path, F_OK), 0);
	fx->clock.ms += 61000;
	assert_int_equal(cache_gc(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_removed, 1);
	assert_int_equal(r.bytes_freed, 5);
	assert_int_equal(r.keys_evicted, 0);
	assert_int_equal(cache_blob_path(fx->c, d, path, sizeof(path), NULL), -ENOENT);
	assert_true(hit(fx->c, "kept"));
}

static void overwrite(const char *path, const char *bytes)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, strlen(bytes), 3), (ssize_t)strlen(bytes));
	close(fd);
}

/* verify: a damaged blob and a deleted blob go, with their keys; good files are adopted. */
static void test_verify(void **state)
{
	struct fx *fx = *state;
	char a[EUCC_SHA256_HEX], b[EUCC_SHA256_HEX], c[EUCC_SHA256_HEX], path[512];
	struct cache_verify_result r;
	struct eucc_error err = {0};
	struct cache_stats st;
	unsigned char data[300];

	fx->c = open_cache(fx->dir, 0, NULL);
	put_key(fx->c, "a1", 300, 1, 0, a);
	assert_int_equal(cache_key_put(fx->c, "package", "a2", a, NULL), 0);
	put_key(fx->c, "b", 300, 2, 0, b);
	put_key(fx->c, "c", 300, 3, 0, c);
	blob_file(fx, a, path, sizeof(path));
	overwrite(path, "garbage");
	blob_file(fx, b, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cache_verify(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_checked, 2);
	assert_int_equal(r.blobs_bad, 1);
	assert_int_equal(r.keys_dropped, 3);
	assert_false(hit(fx->c, "a1") || hit(fx->c, "b"));
	assert_true(hit(fx->c, "c"));
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blobs, 1);
	assert_int_equal(st.keys, 1);
	blob_file(fx, a, path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	/* a good file the index does not know (a put killed after its rename) is adopted */
	fill(data, sizeof(data), 1, 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%.2s", fx->dir, a);
	mkdir(path, 0755);
	blob_file(fx, a, path, sizeof(path));
	assert_int_equal(fs_write_atomic(path, data, sizeof(data)), 0);
	assert_int_equal(cache_verify(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_checked, 2);
	assert_int_equal(r.blobs_bad + r.keys_dropped, 0);
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blobs, 2);
	assert_int_equal(cache_key_put(fx->c, "object", "a1", a, NULL), 0);
	assert_true(hit(fx->c, "a1"));
}

/* Without verify: a key whose blob was deleted is a miss (and is dropped); a damaged blob is
 * not returned. */
static void test_missing_blob(void **state)
{
	struct fx *fx = *state;
	char a[EUCC_SHA256_HEX], b[EUCC_SHA256_HEX], path[512];
	struct eucc_error err = {0};
	struct cache_stats st;
	void *data;
	size_t len;

	fx->c = open_cache(fx->dir, 0, NULL);
	put_key(fx->c, "a", 100, 1, 0, a);
	put_key(fx->c, "b", 100, 2, 0, b);
	blob_file(fx, a, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_false(hit(fx->c, "a"));
	assert_false(hit(fx->c, "a"));
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.keys, 1);
	/* a missing blob cannot be named again until it is put again */
	assert_int_equal(cache_key_put(fx->c, "object", "a", a, NULL), -ENOENT);
	put_key(fx->c, "a", 100, 1, 0, a);
	assert_true(hit(fx->c, "a"));
	blob_file(fx, b, path, sizeof(path));
	overwrite(path, "xx");
	assert_int_equal(cache_blob_read(fx->c, b, &data, &len), -ENOENT);
	assert_false(hit(fx->c, "b"));
}

/* The bytes of @fd from its offset 0 are (a, b) content of @size bytes. */
static void assert_fd_content(int fd, size_t size, unsigned int a, unsigned int b)
{
	unsigned char *want = malloc(size), *got = malloc(size + 1);

	fill(want, size, a, b);
	assert_int_equal(pread(fd, got, size + 1, 0), (ssize_t)size);
	assert_memory_equal(got, want, size);
	free(want);
	free(got);
}

/*
 * Serving: cache_blob_open hands out a file only once its content matches its digest. A byte
 * flipped or a file truncated after it was first served, or damaged while no process had
 * served it, is found, dropped with its keys and counted; a put of the same content rewrites a
 * damaged file.
 */
static void test_serve_verified(void **state)
{
	struct fx *fx = *state;
	char a[EUCC_SHA256_HEX], b[EUCC_SHA256_HEX], d[EUCC_SHA256_HEX], path[512];
	unsigned char data[4000];
	uint64_t size;
	int fd;

	fx->c = open_cache(fx->dir, 0, NULL);
	put_key(fx->c, "a", 4000, 1, 0, a);
	assert_int_equal(cache_key_put(fx->c, "artifact", a, a, NULL), 0);
	put_key(fx->c, "b", 4000, 2, 0, b);
	put_key(fx->c, "d", 4000, 4, 0, d);
	assert_int_equal(cache_blob_open(fx->c, a, &fd, &size), 0);
	assert_int_equal(size, 4000);
	assert_fd_content(fd, 4000, 1, 0);
	close(fd);
	assert_int_equal(cache_blob_check(fx->c, a), 0);
	assert_int_equal(cache_damaged_count(fx->c), 0);
	/* flipped after it was served: the file changed, so it is hashed again */
	blob_file(fx, a, path, sizeof(path));
	overwrite(path, "X");
	assert_int_equal(cache_blob_open(fx->c, a, &fd, &size), -ENOENT);
	assert_int_equal(cache_damaged_count(fx->c), 1);
	assert_false(hit(fx->c, "a"));
	assert_int_equal(cache_key_get(fx->c, "artifact", a, d, NULL), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
	/* truncated */
	blob_file(fx, b, path, sizeof(path));
	assert_int_equal(truncate(path, 1000), 0);
	assert_int_equal(cache_blob_check(fx->c, b), -ENOENT);
	assert_int_equal(cache_damaged_count(fx->c), 2);
	assert_false(hit(fx->c, "b"));
	/* damaged while no process served it: found at the first open after a restart */
	put_key(fx->c, "d", 4000, 4, 0, d);
	cache_close(fx->c);
	blob_file(fx, d, path, sizeof(path));
	overwrite(path, "Y");
	fx->c = open_cache(fx->dir, 0, NULL);
	assert_int_equal(cache_damaged_count(fx->c), 0);
	/* a put of the same content replaces the damaged file (its row and key stay) */
	fill(data, sizeof(data), 4, 0);
	assert_int_equal(cache_blob_put(fx->c, data, sizeof(data), d), 0);
	assert_int_equal(cache_damaged_count(fx->c), 1);
	assert_int_equal(cache_blob_open(fx->c, d, &fd, NULL), 0);
	assert_fd_content(fd, 4000, 4, 0);
	close(fd);
	assert_true(hit(fx->c, "d"));
	overwrite(path, "Z");
	cache_close(fx->c);
	fx->c = open_cache(fx->dir, 0, NULL);
	assert_int_equal(cache_blob_open(fx->c, d, &fd, NULL), -ENOENT);
	assert_false(hit(fx->c, "d"));
	/* bad names and missing blobs */
	assert_int_equal(cache_blob_open(fx->c, "../../etc/passwd", &fd, NULL), -EINVAL);
	assert_int_equal(cache_blob_check(fx->c, a), -ENOENT);
	assert_int_equal(cache_damaged_count(fx->c), 1);
}

/*
 * cache_put: several blobs and their keys in one transaction, two keys sharing a blob, a blob
 * that is there already and one whose file is damaged; an entry with a bad key names nothing.
 */
static void test_put_many(void **state)
{
	struct fx *fx = *state;
	unsigned char d1[3000], d2[500], d3[800], bad[10] = {0};
	char old[EUCC_SHA256_HEX], got[EUCC_SHA256_HEX], path[512], *meta;
	struct cache_entry v[5] = {
	    {.ns = "kernel", .key = "k1", .data = d1, .size = sizeof(d1), .meta = "{\"a\":1}"},
	    {.ns = "kernel", .key = "k2", .data = d2, .size = sizeof(d2), .meta = "{}"},
	    {.ns = "kernel", .key = "k3", .data = d1, .size = sizeof(d1)}, /* k1's blob */
	    {.ns = "object", .key = "o", .data = d3, .size = sizeof(d3)},
	    {.data = bad, .size = sizeof(bad)}, /* a blob no key names */
	};
	struct cache_entry wrong[2] = {
	    {.ns = "kernel", .key = "w1", .data = d2, .size = sizeof(d2)},
	    {.ns = "kernel", .key = "", .data = d3, .size = sizeof(d3)},
	};
	struct eucc_error err = {0};
	struct cache_stats st;
	void *back;
	size_t len;

	fx->c = open_cache(fx->dir, 0, NULL);
	fill(d1, sizeof(d1), 1, 0);
	fill(d2, sizeof(d2), 2, 0);
	fill(d3, sizeof(d3), 3, 0);
	/* d2 there already, d3 there but damaged */
	put_key(fx->c, "old2", sizeof(d2), 2, 0, old);
	put_key(fx->c, "old3", sizeof(d3), 3, 0, old);
	blob_file(fx, old, path, sizeof(path));
	overwrite(path, "damage");
	assert_int_equal(cache_put(fx->c, v, 5), 0);
	assert_string_equal(v[0].digest, v[2].digest);
	assert_int_equal(cache_key_get(fx->c, "kernel", "k1", got, &meta), 0);
	assert_string_equal(got, v[0].digest);
	assert_string_equal(meta, "{\"a\":1}");
	free(meta);
	assert_int_equal(cache_key_get(fx->c, "kernel", "k3", got, &meta), 0);
	assert_string_equal(got, v[0].digest);
	assert_null(meta);
	assert_int_equal(cache_key_get(fx->c, "object", "o", got, NULL), 0);
	assert_string_equal(got, old);
	assert_int_equal(cache_blob_read(fx->c, got, &back, &len), 0); /* rewritten whole */
	assert_int_equal(len, sizeof(d3));
	assert_memory_equal(back, d3, sizeof(d3));
	free(back);
	assert_int_equal(cache_damaged_count(fx->c), 1);
	assert_int_equal(cache_blob_check(fx->c, v[4].digest), 0);
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blobs, 4);
	assert_int_equal(st.blob_bytes, sizeof(d1) + sizeof(d2) + sizeof(d3) + sizeof(bad));
	assert_int_equal(st.keys, 6);
	/* a bad entry: nothing is named, the digests are still given */
	assert_int_equal(cache_put(fx->c, wrong, 2), -EINVAL);
	assert_string_equal(wrong[0].digest, v[1].digest);
	assert_int_equal(cache_key_get(fx->c, "kernel", "w1", got, NULL), -ENOENT);
	assert_int_equal(cache_put(fx->c, NULL, 0), 0);
}

/* What a power loss may leave of blobs written without fsync, at the same size (@zeros) or
 * shorter (@size). */
static void power_loss_file(const struct fx *fx, const char *digest, bool zeros, off_t size)
{
	char path[512], buf[4000] = {0};
	int fd;

	blob_file(fx, digest, path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	if (zeros)
		assert_int_equal(write(fd, buf, (size_t)size), (ssize_t)size);
	else
		assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/*
 * After a power loss (blobs are not fsynced): a blob file that came back empty, torn or all
 * zeros, or not at all, under keys the index kept. No read and no serving returns those bytes;
 * each key is a miss, dropped, and a put of the same content makes it whole again.
 */
static void test_power_loss(void **state)
{
	struct fx *fx = *state;
	char a[EUCC_SHA256_HEX], b[EUCC_SHA256_HEX], c[EUCC_SHA256_HEX], d[EUCC_SHA256_HEX],
	    e[EUCC_SHA256_HEX], got[EUCC_SHA256_HEX], path[512];
	struct cache_verify_result r;
	struct eucc_error err = {0};
	unsigned char data[4000];
	void *back;
	size_t len;
	int fd;

	fx->c = open_cache(fx->dir, 0, NULL);
	put_key(fx->c, "a", 4000, 1, 0, a);
	put_key(fx->c, "b", 4000, 2, 0, b);
	put_key(fx->c, "c", 4000, 3, 0, c);
	assert_int_equal(cache_key_put(fx->c, "artifact", c, c, NULL), 0);
	put_key(fx->c, "d", 4000, 4, 0, d);
	put_key(fx->c, "e", 4000, 5, 0, e);
	/* served once before the loss: the mark of this process must not outlive it */
	assert_int_equal(cache_blob_check(fx->c, c), 0);
	cache_close(fx->c);
	power_loss_file(fx, a, false, 0);    /* empty: its blocks were never written */
	power_loss_file(fx, b, false, 1500); /* torn */
	power_loss_file(fx, c, true, 4000);  /* the right size, zeros */
	blob_file(fx, d, path, sizeof(path));
	assert_int_equal(unlink(path), 0); /* the rename was lost */
	fx->c = open_cache(fx->dir, 0, NULL);

	/* the object and kernel levels: the key is found, the read refuses the bytes */
	assert_int_equal(cache_key_get(fx->c, "object", "a", got, NULL), 0);
	assert_int_equal(cache_blob_read(fx->c, got, &back, &len), -ENOENT);
	assert_false(hit(fx->c, "a"));
	assert_int_equal(cache_key_get(fx->c, "object", "b", got, NULL), 0);
	assert_int_equal(cache_blob_read(fx->c, got, &back, &len), -ENOENT);
	assert_false(hit(fx->c, "b"));
	/* serving: the first open by the new process hashes */
	assert_int_equal(cache_key_get(fx->c, "artifact", c, got, NULL), 0);
	assert_int_equal(cache_blob_open(fx->c, got, &fd, NULL), -ENOENT);
	assert_int_equal(cache_key_get(fx->c, "artifact", c, got, NULL), -ENOENT);
	assert_false(hit(fx->c, "c"));
	assert_false(hit(fx->c, "d"));
	assert_int_equal(cache_damaged_count(fx->c), 3);
	/* what survived is whole */
	assert_int_equal(cache_key_get(fx->c, "object", "e", got, NULL), 0);
	assert_int_equal(cache_blob_read(fx->c, got, &back, &len), 0);
	fill(data, sizeof(data), 5, 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	/* the work done again: the same content put and named again */
	put_key(fx->c, "a", 4000, 1, 0, got);
	assert_string_equal(got, a);
	assert_int_equal(cache_blob_read(fx->c, a, &back, &len), 0);
	fill(data, sizeof(data), 1, 0);
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	assert_int_equal(cache_verify(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_bad + r.keys_dropped, 0);
}

static void test_reopen(void **state)
{
	struct fx *fx = *state;
	char d[EUCC_SHA256_HEX], got[EUCC_SHA256_HEX];
	struct eucc_error err = {0};
	struct cache_stats st;
	char key[16], *meta;

	fx->c = open_cache(fx->dir, 1 << 20, NULL);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		put_key(fx->c, key, 1000 + i, 7, i, d);
	}
	assert_int_equal(cache_key_put(fx->c, "kernel", "k", d, "{\"findings\":[]}"), 0);
	cache_close(fx->c);
	fx->c = open_cache(fx->dir, 1 << 20, NULL);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(hit(fx->c, key));
	}
	assert_int_equal(cache_key_get(fx->c, "kernel", "k", got, &meta), 0);
	assert_string_equal(got, d);
	assert_string_equal(meta, "{\"findings\":[]}");
	free(meta);
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.blobs, 20);
	assert_int_equal(st.keys, 21);
	assert_int_equal(st.blob_bytes, 20 * 1000 + 190);
}

/* ---- concurrency ------------------------------------------------------------------------ */

#define THREADS	   8
#define THREAD_OPS 150

struct worker {
	struct cache *c;
	int id;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned char data[2048];
	char key[32], d[EUCC_SHA256_HEX], got[EUCC_SHA256_HEX];
	void *back;
	size_t len;

	for (int i = 0; i < THREAD_OPS; i++) {
		/* every third blob is shared by all threads */
		unsigned int a = i % 3 ? (unsigned int)w->id + 100 : 1;
		size_t size = 100 + (size_t)(i * 13) % 1900;

		fill(data, size, a, (unsigned int)i);
		snprintf(key, sizeof(key), "t%d-%d", w->id, i);
		if (cache_blob_put(w->c, data, size, d) ||
		    cache_key_put(w->c, "object", key, d, "{}") ||
		    cache_key_get(w->c, "object", key, got, NULL) || strcmp(got, d) ||
		    cache_blob_read(w->c, d, &back, &len)) {
			w->failures++;
			continue;
		}
		if (len != size || memcmp(back, data, size))
			w->failures++;
		free(back);
		snprintf(key, sizeof(key), "t%d-%d", (w->id + 1) % THREADS, i / 2);
		cache_key_get(w->c, "object", key, got, NULL); /* another thread's: hit or miss */
	}
	return NULL;
}

/* 8 threads on two handles (two SQLite connections) of one cache. */
static void test_threads(void **state)
{
	struct fx *fx = *state;
	struct cache *c2;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct cache_verify_result r;
	struct eucc_error err = {0};
	struct cache_stats st;

	fx->c = open_cache(fx->dir, 0, NULL);
	c2 = open_cache(fx->dir, 0, NULL);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){i < THREADS / 2 ? fx->c : c2, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	cache_close(c2);
	assert_int_equal(cache_stats(fx->c, &st, &err), 0);
	assert_int_equal(st.keys, THREADS * THREAD_OPS);
	assert_int_equal(st.blobs, THREADS * (THREAD_OPS - THREAD_OPS / 3) + THREAD_OPS / 3);
	assert_int_equal(cache_verify(fx->c, &r, &err), 0);
	assert_int_equal(r.blobs_bad + r.keys_dropped, 0);
	assert_int_equal(r.blobs_checked, st.blobs);
}

/* ---- crash safety ----------------------------------------------------------------------- */

#define CRASH_ROUNDS 12
#define CRASH_KEYS   100000

static size_t crash_size(unsigned int round, unsigned int i)
{
	return 64 + (round * 7919u + i * 104729u) % 30000;
}

/* The child: put blobs and keys (and gc now and then) under a small cap until killed;
 * @done counts the keys it has put. */
static void crash_child(const char *dir, unsigned int round, volatile unsigned int *done)
{
	static unsigned char data[32768];
	struct cache_gc_result r;
	char key[32], d[EUCC_SHA256_HEX];
	struct cache *c = open_cache(dir, 256 << 10, NULL);

	for (unsigned int i = 0; i < CRASH_KEYS; i++) {
		size_t size = crash_size(round, i);

		fill(data, size, round, i);
		snprintf(key, sizeof(key), "r%u-%u", round, i);
		if (cache_blob_put(c, data, size, d) || cache_key_put(c, "object", key, d, NULL))
			_exit(2);
		__atomic_add_fetch(done, 1, __ATOMIC_SEQ_CST);
		if (i % 10 == 9 && cache_gc(c, &r, NULL))
			_exit(3);
	}
	_exit(4); /* never reached: the parent kills first */
}

/* Every key that survived names a blob with exactly its content. */
static unsigned int crash_check(struct cache *c, unsigned int round)
{
	static unsigned char want[32768];
	char key[32], d[EUCC_SHA256_HEX], wd[EUCC_SHA256_HEX];
	unsigned int hits = 0;
	void *data;
	size_t len;

	for (unsigned int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "r%u-%u", round, i);
		if (cache_key_get(c, "object", key, d, NULL))
			continue;
		fill(want, crash_size(round, i), round, i);
		eucc_sha256_hex(want, crash_size(round, i), wd);
		assert_string_equal(d, wd);
		assert_int_equal(cache_blob_read(c, d, &data, &len), 0);
		assert_int_equal(len, crash_size(round, i));
		free(data);
		hits++;
	}
	return hits;
}

static void test_crash(void **state)
{
	struct fx *fx = *state;
	struct cache_verify_result r;
	struct eucc_error err = {0};
	unsigned int seed = (unsigned int)getpid(), hits = 0;
	volatile unsigned int *done =
	    mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(done != MAP_FAILED);
	for (unsigned int round = 0; round < CRASH_ROUNDS; round++) {
		unsigned int before;
		int status;
		pid_t reaped = 0, pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			crash_child(fx->dir, round, done);
		/* a random moment once it is busy */
		before = *done;
		while (*done == before && (reaped = waitpid(pid, &status, WNOHANG)) == 0)
			usleep(1000);
		usleep((useconds_t)(rand_r(&seed) % 300000));
		if (!reaped) {
			assert_int_equal(kill(pid, SIGKILL), 0);
			assert_int_equal(waitpid(pid, &status, 0), pid);
		}
		if (!WIFSIGNALED(status))
			fail_msg("round %u: the child exited with %d before the kill", round,
				 WEXITSTATUS(status));
	}
	fx->c = open_cache(fx->dir, 256 << 10, NULL);
	assert_int_equal(cache_verify(fx->c, &r, &err), 0);
	assert_int_equal(r.keys_dropped, 0);
	assert_int_equal(r.blobs_bad, 0);
	assert_true(r.blobs_checked > 0);
	for (unsigned int round = 0; round < CRASH_ROUNDS; round++)
		hits += crash_check(fx->c, round);
	assert_true(hits > 0);
	fprintf(stderr, "crash test: %u keys put, %u rounds killed, %lu blobs left, %u keys left\n",
		*done, CRASH_ROUNDS, (unsigned long)r.blobs_checked, hits);
	munmap((void *)done, sizeof(*done));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_digest),
	    cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lru, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gc_unreferenced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_blob, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serve_verified, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_power_loss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
