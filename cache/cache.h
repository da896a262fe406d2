/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache: the content-addressed artifact store.
 *
 * Blobs are files DIR/blobs/sha256/<2 hex>/<64 hex>, written to a temp file and renamed. A
 * SQLite index (WAL) maps keys to blobs: (namespace, key) -> (blob digest, a small JSON metadata
 * text), with the last use time for LRU eviction under a size cap.
 *
 * Crash safety: a blob is in place before any key names it; eviction deletes keys (committed)
 * before the blobs no key names any more. So a kill -9 at any point never leaves a key that
 * points at a missing or wrong blob; at worst an unreferenced blob or temp file, which gc removes.
 * Nothing is fsynced: after a power loss a key may name a missing or torn blob, which its first
 * use finds (reads rehash, the first serving by a process hashes) and drops as a miss
 * (docs/cache.md, "Crash safety").
 *
 * Namespaces in use: "object" (compiled object), "kernel" (minimized BTF + findings per kernel),
 * "package" (request -> package), "artifact" (a package by its own digest).
 * All functions are thread-safe.
 */
#ifndef EUCC_CACHE_H
#define EUCC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cache;

struct cache_opts {
	size_t sz;	    /* sizeof(struct cache_opts) */
	uint64_t max_bytes; /* size cap of all blobs; 0: no cap */
	/* Clock for last-use times, in ms since the epoch (tests set it); NULL: the real clock. */
	uint64_t (*clock_ms)(void *ctx);
	void *clock_ctx;
};

/* Open (creating) the cache in @dir (the data dir's "cache" subdir, say). */
int cache_open(const char *dir, const struct cache_opts *opts, struct cache **out,
	       struct eucc_error *err);
void cache_close(struct cache *c);

/* Store @data as a blob (no-op if present); its digest goes to @digest. A blob no key names
 * is kept for a minute (time to name it with cache_key_put), then gc may remove it. */
int cache_blob_put(struct cache *c, const void *data, size_t size, char digest[EUCC_SHA256_HEX]);
/* Read a whole blob (malloc'd), or -ENOENT. The content is rehashed: a damaged blob is
 * dropped (with its keys) and answered -ENOENT. Eviction may remove a blob between a key hit
 * and this read: treat -ENOENT after a hit as a miss. */
int cache_blob_read(struct cache *c, const char *digest, void **data, size_t *size);
/* Path of a blob's file and its size, or -ENOENT. Nothing is checked: to serve a blob, use
 * cache_blob_open. */
int cache_blob_path(struct cache *c, const char *digest, char *path, size_t path_size,
		    uint64_t *size);
/*
 * Open a blob's file for serving (sendfile, ranges): *fd (the caller closes it) and its size,
 * only once its content is known to match its digest. The first open by this process hashes
 * the file and marks it verified with the file's identity (device, inode, size, mtime, ctime);
 * later opens hash again only if the file changed. A damaged blob is dropped with its keys,
 * counted (cache_damaged_count) and answered -ENOENT, as is a missing one.
 */
int cache_blob_open(struct cache *c, const char *digest, int *fd, uint64_t *size);
/* The same check without keeping the file open: 0 if the blob is there and good. */
int cache_blob_check(struct cache *c, const char *digest);
/* Damaged blobs this handle found (serving, reading, putting) and dropped or rewrote. */
uint64_t cache_damaged_count(struct cache *c);

/* One entry of cache_put: @data stored as a blob and named by (@ns, @key) with @meta. */
struct cache_entry {
	const char *ns, *key; /* NULL ns: the blob only, as cache_blob_put */
	const void *data;
	size_t size;
	const char *meta;	      /* JSON text, may be NULL */
	char digest[EUCC_SHA256_HEX]; /* out: the blob's digest, set even on failure */
};
/*
 * cache_blob_put and cache_key_put of @n entries in one write transaction: every key is named,
 * or (on an error) none. Entries may share a blob. The way to store what one request made.
 */
int cache_put(struct cache *c, struct cache_entry *v, size_t n);

/* Point (@ns, @key) at blob @digest (which must exist) with @meta (JSON text, may be NULL). */
int cache_key_put(struct cache *c, const char *ns, const char *key, const char *digest,
		  const char *meta);
/*
 * Look up (@ns, @key): 0 and the blob digest (+ malloc'd meta if @meta) on a hit, -ENOENT on a
 * miss. A hit whose blob has gone missing is dropped and answered as a miss. A hit marks the
 * key as used now (LRU).
 */
int cache_key_get(struct cache *c, const char *ns, const char *key, char digest[EUCC_SHA256_HEX],
		  char **meta);

/*
 * A cache key from its parts: sha256 over every part as an 8-byte big-endian length followed
 * by its bytes (unambiguous: ("ab","c") and ("a","bc") differ). A NULL part counts as "".
 */
void cache_key_digest(char out[EUCC_SHA256_HEX], const char *const *parts, size_t n);

struct cache_stats {
	uint64_t blobs, blob_bytes;
	uint64_t keys;
	uint64_t keys_by_ns[4]; /* object, kernel, package, artifact */
	uint64_t max_bytes;
};
int cache_stats(struct cache *c, struct cache_stats *st, struct eucc_error *err);

struct cache_gc_result {
	uint64_t keys_evicted, blobs_removed, bytes_freed, temp_removed;
};
/* Evict least recently used keys until under the cap, then remove unreferenced blobs and
 * stale temp files. Also run (cap only) after puts that cross the cap. */
int cache_gc(struct cache *c, struct cache_gc_result *res, struct eucc_error *err);

struct cache_verify_result {
	uint64_t blobs_checked, blobs_bad, keys_dropped;
};
/* Rehash every blob; a blob whose content does not match its name is removed along with the
 * keys that point at it, and keys whose blob is missing are dropped. */
int cache_verify(struct cache *c, struct cache_verify_result *res, struct eucc_error *err);

#endif
