/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: what eucc-server does, without HTTP. The BTF store and the cache opened together,
 * tokens and scopes, the compile pipeline (request, kernels, keys, object, per-kernel checks,
 * package) behind a bounded worker queue, identical requests run once, a short memo of hot
 * answers, parsed kernels kept across requests, and the metrics of all that.
 *
 * Functions return 0 or a negative errno and fill a struct eucc_error whose code (common.h's
 * table) says what kind of failure it is; the API layer (server/api) turns that into HTTP.
 * Errors of code "internal" may name server paths: they are for the log, not for clients.
 */
#ifndef EUCC_SERVER_SERVICE_H
#define EUCC_SERVER_SERVICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "btfhub.h"
#include "cache.h"
#include "common.h"
#include "compile.h"

struct cJSON;

/*
 * Bumped whenever the pipeline's output for the same input changes: part of every cache key.
 * Its second part is the format of the stored vmlinux.h (BTF_HEADER_VERSION), which the
 * compile may read: "5.4" is the pipeline's 5th version with headers of format 4.
 */
#define EUCC_PIPELINE_BASE_VERSION    "6"
#define EUCC_PIPELINE_VERSION_STR2(v) #v
#define EUCC_PIPELINE_VERSION_STR(v)  EUCC_PIPELINE_VERSION_STR2(v)
#define EUCC_PIPELINE_VERSION                                                                      \
	EUCC_PIPELINE_BASE_VERSION "." EUCC_PIPELINE_VERSION_STR(BTF_HEADER_VERSION)

/* ---- tokens and scopes -------------------------------------------------------------------- */

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

/*
 * Read a tokens file: "TOKEN SCOPE[,SCOPE...] [NAME]" per line, '#' comments. @arg is its path,
 * or credential:NAME for the file NAME in $CREDENTIALS_DIRECTORY.
 */
int auth_tokens_load(const char *arg, struct auth_tokens *out, struct eucc_error *err);
/* The same from text (@origin names it in errors). */
int auth_tokens_parse(const char *text, const char *origin, struct auth_tokens *out,
		      struct eucc_error *err);
void auth_tokens_free(struct auth_tokens *t);
/* Scopes granted to an "Authorization: Bearer T" header value (admin implies all). */
unsigned int auth_scopes(const struct auth_tokens *t, const char *authorization);

/* ---- the bounded work queue ----------------------------------------------------------------- */

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
	atomic_long *queue_depth, *running; /* gauges to keep, or NULL */
};

int work_pool_start(struct work_pool *p, unsigned int threads, unsigned int queue_max);
/* Queue @item (owned by the caller until run). -EBUSY when the queue is full or stopping. */
int work_pool_submit(struct work_pool *p, struct work_item *item);
/* Finish queued work, then join the threads; later submits are refused. */
void work_pool_stop(struct work_pool *p);
/* Free the pool's lock, once nothing can submit any more. */
void work_pool_destroy(struct work_pool *p);

/* ---- single flight: the first caller of a key leads, the others wait for it ----------------- */

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
/* True: the caller leads, as flight_begin. False at once when another leads @key now. */
bool flight_try_begin(struct flight_table *t, const char *key);
void flight_end(struct flight_table *t, const char *key);

/* ---- a short-lived memo of hot answers ------------------------------------------------------ */

#define MEMO_SLOTS 1024

struct memo_slot {
	char key[EUCC_SHA256_HEX];
	char *value;
	size_t len;
	uint64_t aux;
	uint64_t expires; /* monotonic ns */
};

struct memo {
	pthread_mutex_t lock;
	uint64_t ttl_ns; /* 0: off */
	struct memo_slot slots[MEMO_SLOTS];
};

void memo_init(struct memo *m, unsigned int ttl_ms);
void memo_destroy(struct memo *m);
void memo_put(struct memo *m, const char *key, const void *value, size_t len, uint64_t aux);
/* A malloc'd copy of the value (and its aux) if fresh, else NULL. */
char *memo_get(struct memo *m, const char *key, size_t *len, uint64_t *aux);

/* ---- parsed kernel BTF, kept across requests ------------------------------------------------ */

struct kernel_entry {
	char sha256[EUCC_SHA256_HEX];
	struct btf *btf;
	struct btf_index *index; /* its names, for every core_check of it */
	struct btf_features features;
	struct btf_header_dups *dups; /* made on first use as a header kernel (kernel_entry_dups) */
	pthread_mutex_t dups_lock;
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
/* The names @e's full vmlinux.h suffixes (btf_header_dups_new), made once; NULL if that failed. */
const struct btf_header_dups *kernel_entry_dups(struct kernel_entry *e);

/* ---- metrics -------------------------------------------------------------------------------- */

/* A latency histogram in seconds, Prometheus style (cumulative buckets at format time). */
#define HIST_BUCKETS 12
struct histogram {
	atomic_ulong buckets[HIST_BUCKETS + 1]; /* the last: beyond the largest bound */
	atomic_ulong count;
	atomic_ulong sum_us;
};

/* Record @ns nanoseconds. */
void histogram_observe(struct histogram *h, uint64_t ns);
/* "NAME_bucket{LABELS,le=...}" lines, _sum and _count; @labels may be "" (no braces then). */
void histogram_format(const struct histogram *h, FILE *out, const char *name, const char *labels);

enum pipeline_stage {
	STAGE_PREPARE,
	STAGE_COMPILE,
	STAGE_CHECK,
	STAGE_PACKAGE,
	STAGE_PREPROCESS, /* clang -E for the program's own header (part of compile) */
	STAGE_HEADER,	  /* writing that header (part of compile) */
	STAGE_COUNT
};

struct service_metrics {
	atomic_ulong compiles, compile_failures;
	atomic_ulong kernel_checks;
	atomic_ulong object_hits, object_misses, kernel_hits, kernel_misses;
	atomic_ulong package_hits, package_misses;
	atomic_ulong queue_rejected, flights_joined;
	/* compiles against the program's own header; fell back to the full one after its
	 * compile failed; none made (clang -E failed, a name the BTF has twice) */
	atomic_ulong min_header_used, min_header_fallback, min_header_refused;
	atomic_ulong registry_hits, registry_misses, registry_pushes, registry_errors;
	atomic_long queue_depth, jobs_running;
	struct histogram stages[STAGE_COUNT]; /* seconds per pipeline stage */
};

/* ---- the service ---------------------------------------------------------------------------- */

struct service_opts {
	size_t sz; /* sizeof(struct service_opts) */
	const char *data_dir;
	unsigned int workers;	 /* compile workers; default: the core count */
	unsigned int queue_max;	 /* jobs waiting for a worker; beyond: "busy" */
	const char *tokens_file; /* NULL: no tokens (the caller keeps to loopback) */
	uint64_t cache_max;	 /* bytes; 0: no cap */
	bool allow_btf_upload;	 /* clients may offer their kernel's BTF */
	bool full_header; /* always compile against the full vmlinux.h, never a program's own */
	const char *eucc_include; /* dir holding eucc.h, offered to programs as <eucc/eucc.h> */
	const char *warm_preload; /* libeucc-warm.so: clang as a warm tool; NULL:
				   * every command starts afresh in bwrap (docs/security.md) */
	struct compile_limits limits;
	unsigned int memo_ms;		    /* how long a hot answer is reused; 0: 2000 */
	const struct eucc_key *signing_key; /* signs every package; NULL: unsigned packages */
	/* Replicas that share (registry.c): compiled objects and per-kernel results are looked up
	 * in and pushed to this OCI registry: http(s)://HOST[:PORT][/REPO], oci://, oci+http://. */
	const char *registry;
	const char *registry_cacert;	  /* its CA bundle (https); NULL: the host's */
	const char *registry_credentials; /* USER:PASSWORD, or NULL */
	/* A read-only mirror (mirror.c): no store, no cache, no compiles; the artifacts and the
	 * index that `eucc-remote mirror` wrote into this dir. */
	const char *mirror_dir;
};

struct pipeline_job;
struct oci_client;

struct service {
	struct service_opts opts;
	struct btf_store *store;
	struct cache *cache;
	struct auth_tokens tokens;
	bool auth_required;
	struct service_metrics metrics;
	struct work_pool pool;
	struct flight_table compile_flights; /* by object key */
	struct flight_table kernel_flights;  /* by per-kernel key */
	struct kernel_cache kernels;
	struct memo answers;	       /* compile answers by sha256 of the request body */
	struct memo artifacts;	       /* artifact digests whose key was found */
	struct memo pch_failed;	       /* precompiled headers that did not build, for a while */
	pthread_mutex_t requests_lock; /* identical requests in flight, by request key */
	struct pipeline_job *inflight;
	char libbpf_version[32];
	struct oci_client *registry; /* opts.registry's client, or NULL */
};

int service_init(struct service *s, const struct service_opts *opts, struct eucc_error *err);
/* Let queued and running jobs finish (their callbacks run); later compiles are refused. */
void service_drain(struct service *s);
void service_fini(struct service *s);

/* ---- compiling --------------------------------------------------------------------------------
 */

/* A compile answer: the JSON of docs/api.md (200), or clang's diagnostics for a compile error. */
struct compile_answer {
	char *json; /* package, kernels, diagnostics, cache, timings_ms */
	size_t len;
	struct cJSON *diagnostics;  /* code "compile_error": the array of clang's diagnostics */
	size_t diagnostics_dropped; /* and how many past the cap were left out */
};

void compile_answer_free(struct compile_answer *a);

/*
 * Take a POST /v1/compile body. 0: answered now, from the memo or the package cache (@now);
 * 1: *job must run (service_compile_start); negative: a bad request, an unknown kernel ... in
 * @err. The job keeps nothing of @body.
 */
int service_compile_begin(struct service *s, const void *body, size_t len,
			  struct compile_answer *now, struct pipeline_job **job,
			  struct eucc_error *err);

/* Called once per waiting request, on a worker thread: @ret 0 and @answer, or an error. */
typedef void (*compile_done_fn)(void *ctx, int ret, const struct compile_answer *answer,
				const struct eucc_error *err);

/*
 * Run @job on a worker, or join an identical job in flight; @done gets the outcome later,
 * never from this call. -EBUSY (code "busy") when the queue is full: @job is freed either way.
 */
int service_compile_start(struct service *s, struct pipeline_job *job, compile_done_fn done,
			  void *ctx, struct eucc_error *err);
void pipeline_job_free(struct pipeline_job *job);

/* @body as one JSON value and nothing after it (white space aside; not even a NUL): *out, to
 * free with cJSON_Delete; else code bad_request that says where it goes wrong. */
int service_parse_json(const char *body, size_t len, struct cJSON **out, struct eucc_error *err);

/* ---- a kernel added to a stored package --------------------------------------------------- */

/* A host's kernel, as the host knows it (docs/api.md, POST /v1/packages/{digest}/kernels). */
struct kernel_want {
	const char *release;	/* uname -r */
	const char *arch;	/* NULL: the package's */
	const char *build_id;	/* hex, from /sys/kernel/notes; NULL: unknown */
	const char *btf_sha256; /* of its /sys/kernel/btf/vmlinux; NULL: it has none */
};

/*
 * The stored package @digest with the kernel @want added: the same object, the per-kernel step
 * only (no compile), a new package stored as an artifact. *answer: {"package", "kernels" (the
 * added one, with findings), "added" (false: the package had it), "cache", "timings_ms"}.
 * Codes: not_found (no such package), btf_needed (offer the BTF of that digest first),
 * kernel_not_found (no BTF anywhere), bad_request.
 */
int service_package_add_kernel(struct service *s, const char *digest,
			       const struct kernel_want *want, struct cJSON **answer,
			       struct eucc_error *err);

/* ---- files and kernels --------------------------------------------------------------------------
 */

/* A package by its digest (hex, "sha256:" allowed): its blob file open in *fd (the caller
 * closes it), verified against the digest (cache_blob_open); a damaged one is not_found. */
int service_artifact(struct service *s, const char *digest, int *fd, uint64_t *bytes,
		     struct eucc_error *err);

/* A client's running kernel offered for the store: @data NULL (by digest) or its raw BTF;
 * @build_id (hex, or NULL) keys it in the store beside its release.
 * *added: stored now (else it was there). Codes: btf_upload_disabled, btf_needed, conflict,
 * bad_request. */
int service_btf_offer(struct service *s, const char *release, const char *arch,
		      const char *build_id, const char *sha, const void *data, size_t len,
		      struct btf_kernel *out, bool *added, struct eucc_error *err);

/*
 * Remove what killed processes left in DATA/tmp: job dirs and upload temps that no live
 * process holds (their maker holds an flock on each while it uses it). *removed: how many.
 * service_init runs it; so does `eucc-server cache gc`.
 */
int service_clean_tmp(const char *data_dir, unsigned int *removed, struct eucc_error *err);

/* A type or function of a stored kernel as C (`btf show --type/--func`), malloc'd. */
int service_kernel_def(struct service *s, const char *release, const char *arch, bool type,
		       const char *name, struct btf_kernel *k, char **text, struct eucc_error *err);

/* How many kernels the store holds. */
size_t service_kernel_count(struct service *s);
/* /v1/info's facts. */
struct cJSON *service_info(struct service *s);

/* ---- replicas that share (registry.c) ---------------------------------------------------------
 */

/* Connect opts.registry (nothing is sent until a lookup). */
int registry_open(struct service *s, struct eucc_error *err);
void registry_close(struct service *s);
/* Cache entry (@ns, @key) from the registry into the local cache (blob and key, with its
 * meta): true if it is there now. Failures are logged, never fatal: the caller compiles. */
bool registry_fetch(struct service *s, const char *ns, const char *key);
/* Push what was just made under (@ns, @key), as the cache holds it. False on failure (logged). */
bool registry_push(struct service *s, const char *ns, const char *key, const void *blob, size_t len,
		   const char *meta);

/* ---- a read-only mirror (mirror.c) ------------------------------------------------------------
 */

/* Check that opts.mirror_dir holds a mirror (v1/index.json). */
int mirror_open(struct service *s, struct eucc_error *err);
/* The artifact @digest of the mirror dir, opened once its bytes hash to it (as service_artifact).
 */
int mirror_artifact(struct service *s, const char *digest, int *fd, uint64_t *bytes,
		    struct eucc_error *err);
/* The mirror's index (v1/index.json), opened. */
int mirror_index(struct service *s, int *fd, uint64_t *bytes, struct eucc_error *err);
/* The service's metrics in Prometheus' text format (store and cache gauges included). */
void service_metrics_format(struct service *s, FILE *out);

#endif
