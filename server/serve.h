/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eucc-server serve: the parts of the HTTP service, shared by server/serve_*.c and api_*.c.
 * Not used outside server/.
 */
#ifndef EUCC_SERVER_SERVE_H
#define EUCC_SERVER_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "btfhub.h"
#include "cache.h"
#include "common.h"
#include "compile.h"

struct cJSON;
struct MHD_Connection;
struct MHD_Daemon;

/* Bumped whenever the pipeline's output for the same input changes: part of every cache key. */
#define EUCC_PIPELINE_VERSION "3"

/* ---- configuration ---------------------------------------------------------------------- */

struct serve_opts {
	char listen_host[256];
	unsigned short listen_port;
	const char *data_dir;
	unsigned int workers;	/* compile workers; default: the core count */
	unsigned int queue_max; /* jobs waiting for a worker; beyond: 503 */
	unsigned int http_threads;
	const char *tokens_file;  /* NULL: no auth, loopback only */
	uint64_t cache_max;	  /* bytes; 0: no cap */
	size_t body_max;	  /* request bodies beyond: 413 */
	size_t btf_body_max;	  /* the same for POST /v1/btf */
	bool allow_btf_upload;	  /* clients may offer their kernel's BTF */
	const char *eucc_include; /* dir holding eucc.h, offered to programs as <eucc/eucc.h> */
	struct compile_limits limits;
};

/* ---- auth ------------------------------------------------------------------------------- */

enum auth_scope { SCOPE_NONE = 0, SCOPE_READ = 1, SCOPE_COMPILE = 2, SCOPE_ADMIN = 4 };

struct auth_token {
	char token[128];
	char name[64];
	unsigned int scopes;
};

struct auth_tokens {
	struct auth_token *items;
	size_t count;
};

/* Read a tokens file: "TOKEN SCOPE[,SCOPE...] [NAME]" per line, '#' comments. */
int auth_tokens_load(const char *path, struct auth_tokens *out, struct eucc_error *err);
void auth_tokens_free(struct auth_tokens *t);
/* Scopes granted to an "Authorization: Bearer T" header value (admin implies all). */
unsigned int auth_scopes(const struct auth_tokens *t, const char *authorization);

/* ---- metrics ---------------------------------------------------------------------------- */

enum metric_endpoint {
	EP_COMPILE,
	EP_ARTIFACT,
	EP_KERNELS,
	EP_BTF,
	EP_INFO,
	EP_HEALTH,
	EP_METRICS,
	EP_OTHER,
	EP_COUNT,
};

struct metrics {
	atomic_ulong requests[EP_COUNT][6]; /* by status class 1xx..5xx (index 1..5) */
	atomic_ulong compiles, compile_failures, compile_ms_total;
	atomic_ulong kernel_checks, kernel_check_ms_total;
	atomic_ulong object_hits, object_misses, kernel_hits, kernel_misses;
	atomic_ulong package_hits, package_misses;
	atomic_ulong queue_rejected, flights_joined;
	atomic_long queue_depth, jobs_running;
	atomic_ulong bytes_sent;
};

void metrics_format(const struct metrics *m, FILE *out);
const char *metrics_endpoint_name(enum metric_endpoint ep);

/* ---- workers ---------------------------------------------------------------------------- */

struct work_item {
	void (*run)(void *arg);
	void *arg;
	struct work_item *next;
};

struct work_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work_item *head, *tail;
	unsigned int depth, max;
	pthread_t *threads;
	unsigned int nthreads;
	bool stopping;
	struct metrics *metrics;
};

int work_pool_start(struct work_pool *p, unsigned int threads, unsigned int queue_max,
		    struct metrics *m);
/* Queue @item (owned by the caller until run). -EBUSY when the queue is full. */
int work_pool_submit(struct work_pool *p, struct work_item *item);
/* Finish queued work, then join the threads; later submits are refused. */
void work_pool_stop(struct work_pool *p);
/* Free the pool's lock, once nothing can submit any more. */
void work_pool_destroy(struct work_pool *p);

/* In-process single flight: the first caller of a key leads, the others wait for it to end. */
struct flight_table {
	pthread_mutex_t lock;
	pthread_cond_t done;
	char (*keys)[EUCC_SHA256_HEX];
	size_t count, cap;
};

void flight_table_init(struct flight_table *t);
void flight_table_destroy(struct flight_table *t);
/* True: the caller leads and must call flight_end. False: it waited for a leader (recheck). */
bool flight_begin(struct flight_table *t, const char *key);
void flight_end(struct flight_table *t, const char *key);

/* ---- parsed kernel BTF, kept across requests -------------------------------------------- */

struct kernel_entry {
	char sha256[EUCC_SHA256_HEX];
	struct btf *btf;
	struct btf_features features;
	unsigned int refs;
	uint64_t last_used;
};

struct kernel_cache {
	pthread_mutex_t lock;
	struct kernel_entry **items;
	size_t count, cap; /* cap: entries kept when unused */
	uint64_t clock;
};

void kernel_cache_init(struct kernel_cache *kc, size_t cap);
void kernel_cache_destroy(struct kernel_cache *kc);
/* The parsed BTF and features of @k (loaded once); release with kernel_cache_put. */
int kernel_cache_get(struct kernel_cache *kc, struct btf_store *store, const struct btf_kernel *k,
		     struct kernel_entry **out, struct eucc_error *err);
void kernel_cache_put(struct kernel_cache *kc, struct kernel_entry *e);

/* ---- a short-lived memo of hot answers (serve_memo.c) ------------------------------------- */

#define MEMO_SLOTS 1024

struct memo_slot {
	char key[EUCC_SHA256_HEX];
	char *value;
	size_t len;
	uint64_t aux;
	uint64_t expires; /* monotonic ms */
};

struct memo {
	pthread_mutex_t lock;
	unsigned int ttl_ms; /* 0: off */
	struct memo_slot slots[MEMO_SLOTS];
};

/* CLOCK_MONOTONIC in nanoseconds: durations and expiry times. */
uint64_t monotonic_ns(void);

void memo_init(struct memo *m, unsigned int ttl_ms);
void memo_destroy(struct memo *m);
void memo_put(struct memo *m, const char *key, const void *value, size_t len, uint64_t aux);
/* A malloc'd copy of the value (and its aux) if fresh, else NULL. */
char *memo_get(struct memo *m, const char *key, size_t *len, uint64_t *aux);

/* ---- the server ------------------------------------------------------------------------- */

struct request_state;

struct server {
	struct serve_opts opts;
	struct btf_store *store;
	struct cache *cache;
	struct auth_tokens tokens;
	bool auth_required;
	struct metrics metrics;
	struct work_pool pool;
	struct flight_table compile_flights; /* by object key */
	struct flight_table kernel_flights;  /* by per-kernel key */
	struct kernel_cache kernels;
	struct memo answers;	       /* compile answers by sha256 of the request body */
	struct memo artifacts;	       /* artifact file paths by digest (aux: size) */
	pthread_mutex_t requests_lock; /* identical requests in flight, by request key */
	struct request_state *inflight;
	struct MHD_Daemon *daemon;
	char libbpf_version[32];
};

int server_init(struct server *s, const struct serve_opts *opts, struct eucc_error *err);
int server_listen(struct server *s, struct eucc_error *err);
void server_fini(struct server *s);

/* ---- HTTP responses ---------------------------------------------------------------------- */

/* One request being answered; lives from the first callback to the completion callback. */
struct request_state {
	struct server *server;
	struct MHD_Connection *conn;
	enum metric_endpoint endpoint;
	char *body;
	size_t body_len;
	bool body_too_large;
	bool btf_upload; /* POST /v1/btf on a server that takes uploads: the larger limit */
	bool replied;	 /* refused at the first call (auth, size) */
	/* set by a worker for a suspended request */
	unsigned int status;
	char *answer;
	size_t answer_len;
	bool answered;
	struct request_state *next_waiter; /* same request key, answered together */
	struct request_state *next_inflight;
	char key[EUCC_SHA256_HEX];
	void *job;
};

/* Queue a JSON answer (cJSON consumed). */
int http_reply_json(struct request_state *r, unsigned int status, struct cJSON *json);
/* Queue {"error":{"code","message","hint"}}. */
int http_reply_error(struct request_state *r, unsigned int status, const char *code,
		     const char *message, const char *hint);
int http_reply_eucc_error(struct request_state *r, unsigned int status, const struct eucc_error *e);
int http_reply_text(struct request_state *r, unsigned int status, const char *type,
		    const char *text, size_t len);
/* Serialized JSON body of an error (malloc'd), for answers made off the HTTP threads. */
char *http_error_body(const char *code, const char *message, const char *hint);

/* The JSON of a stored kernel in answers (release, distro, version, arch, sha256, sizes). */
struct cJSON *kernel_to_json(const struct btf_kernel *k);

/* ---- endpoints ---------------------------------------------------------------------------- */

int api_compile(struct request_state *r);
int api_artifact(struct request_state *r, const char *method, const char *digest);
int api_btf(struct request_state *r, const char *digest);
int api_btf_upload(struct request_state *r);
int api_kernels(struct request_state *r);
int api_kernel_def(struct request_state *r, const char *release, const char *what,
		   const char *name);
int api_info(struct request_state *r);
int api_metrics(struct request_state *r);

struct sockaddr;
int http_start(struct server *s, const struct sockaddr *addr, struct eucc_error *err);
void http_stop(struct server *s);

/* A worker finished a suspended request (and its waiters): send the answer. */
void http_resume(struct request_state *r);

#endif
