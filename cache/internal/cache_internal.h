/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the cache/ files; not part of the module's interface. */
#ifndef EUCC_CACHE_INTERNAL_H
#define EUCC_CACHE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "cache.h"

/* A blob put but not yet named by a key is kept by gc for this long (put -> key_put window). */
#define CACHE_PENDING_MS (60 * 1000)
/* A hit rewrites last_used only when it is older than this. */
#define CACHE_TOUCH_MS 1000
/* Temp files older than this are leftovers of a crash. */
#define CACHE_TEMP_AGE_S 3600
/* Verified marks: hash buckets, and how many are kept before all are forgotten. */
#define CACHE_MARK_BUCKETS 4096
#define CACHE_MARK_MAX	   65536

/* Prepared statements kept per handle (the SQL helpers), by their SQL text. */
#define CACHE_STMTS 32

struct cache_mark;

struct cache_stmt {
	const char *sql; /* the caller's text, a literal: compared by address, then by content */
	sqlite3_stmt *st;
};

struct cache {
	char dir[PATH_MAX];
	sqlite3 *db;
	pthread_mutex_t lock; /* guards db; held across every transaction */
	uint64_t max_bytes;
	uint64_t (*clock_ms)(void *ctx);
	void *clock_ctx;
	/* blobs verified by this process, by digest, with their file's identity then */
	pthread_mutex_t marks_lock;
	struct cache_mark *marks[CACHE_MARK_BUCKETS];
	size_t nmarks;
	atomic_ulong damaged;		      /* damaged blobs found since open */
	struct cache_stmt stmts[CACHE_STMTS]; /* guarded by lock, as db */
	size_t nstmts;
};

uint64_t cache_now(const struct cache *c);
/* DIR/blobs/sha256/ab/<hex> */
void cache_blob_file(const struct cache *c, const char *digest, char *path, size_t size);
/* 0 and the size if the blob's file exists, else -ENOENT. */
int cache_blob_stat(const struct cache *c, const char *digest, uint64_t *size);

/*
 * SQL helpers; call with c->lock held. @fmt describes the arguments: 't' text (NULL binds
 * NULL), 'i' int64. They return a negative errno on failure (and log SQLite's message).
 */
int cache_sql(struct cache *c, sqlite3_stmt **st, const char *sql, const char *fmt, ...);
/* Done with a statement of cache_sql: kept for the next use of its SQL, or finalized. */
void cache_sql_done(struct cache *c, sqlite3_stmt *st);
/* Run a statement without rows: the number of rows changed, or a negative errno. */
int cache_sql_exec(struct cache *c, const char *sql, const char *fmt, ...);
/* One integer from the first row: 1 found, 0 no row, or a negative errno. */
int cache_sql_int(struct cache *c, int64_t *out, const char *sql, const char *fmt, ...);
int cache_sql_errno(struct cache *c, int rc);
int cache_begin(struct cache *c);
int cache_commit(struct cache *c);
void cache_rollback(struct cache *c);
/* End the transaction begun: committed if @ret is 0, else rolled back; the outcome. */
int cache_end(struct cache *c, int ret);

struct blob_ref {
	char digest[EUCC_SHA256_HEX];
	int64_t size;
};

struct blob_list {
	struct blob_ref *v;
	size_t n, cap;
};

/* Collect the rows (digest, size) of @sql, whose ?1 is @arg. */
int cache_blob_query(struct cache *c, const char *sql, int64_t arg, struct blob_list *l);

/* Verified marks (cache_check.c): a mark is valid while the file's identity is unchanged. */
bool cache_mark_valid(struct cache *c, const char *digest, const struct stat *st);
void cache_mark_set(struct cache *c, const char *digest, const struct stat *st);
void cache_mark_drop(struct cache *c, const char *digest);
void cache_marks_destroy(struct cache *c);
/* Streaming sha256 of an open file from its start (pread), and its size. */
int cache_hash_fd(int fd, char hex[EUCC_SHA256_HEX], uint64_t *size);
/* A blob found damaged (@actual: what its content hashes to): logged, counted, dropped with its
 * keys. */
void cache_damaged(struct cache *c, const char *digest, const char *actual);
/* For a put: true if the blob's file holds exactly its content (checked against the mark, or
 * hashed). A damaged file is counted and left for the put to replace. */
bool cache_blob_intact(struct cache *c, const char *digest);

/* The arguments of a key put are within the limits (namespace, key and meta lengths). */
bool cache_key_args_ok(const char *ns, const char *key, const char *meta);
/* In a write transaction: insert or repoint the key; -ENOENT unless the blob has its row and
 * its file. */
int cache_key_put_txn(struct cache *c, const char *ns, const char *key, const char *digest,
		      const char *meta);

/* Drop a blob (its keys first, committed; then its row and file). Adds to @keys_dropped. */
int cache_drop_blob(struct cache *c, const char *digest, uint64_t *keys_dropped);
/* The cap eviction: LRU keys, then unreferenced blobs. Takes the lock. */
int cache_evict(struct cache *c, struct cache_gc_result *res);

#endif
