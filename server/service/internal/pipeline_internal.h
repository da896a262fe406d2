/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the compile pipeline (server/service/pipeline_*.c, requests.c). */
#ifndef EUCC_SERVER_PIPELINE_INTERNAL_H
#define EUCC_SERVER_PIPELINE_INTERNAL_H

#include "service.h"

/* A request waiting for a job's outcome. */
struct job_waiter {
	compile_done_fn done;
	void *ctx;
	struct job_waiter *next;
};

struct pipeline_job {
	struct service *s;
	struct compile_request req;
	const char *arch;
	const struct compile_toolchain *toolchain; /* the request's, or the default */
	struct btf_kernel *kernels;		   /* targets, deduplicated, sorted */
	size_t nkernels;
	struct btf_kernel header; /* the kernel whose vmlinux.h is compiled against */
	char source_digest[EUCC_SHA256_HEX];
	char source_key[EUCC_SHA256_HEX]; /* common.h: what X-Eucc-Key carries */
	char object_key[EUCC_SHA256_HEX];
	char request_key[EUCC_SHA256_HEX];
	char body_key[EUCC_SHA256_HEX]; /* sha256 of the request body: the memo's key */
	uint64_t started_ns;
	struct work_item work;
	struct job_waiter *waiters; /* the requests answered by this job */
	struct pipeline_job *next_inflight;
};

/* What the per-kernel step adds to a package being built (pipeline_kernel.c). */
struct kernel_step {
	struct service *s;
	struct bpf_obj_view *view;
	const char *object_digest;
	struct pkg_writer *pkg;		/* gets btf/<arch>/<release>.btf */
	struct cJSON *kernels;		/* gets the answer's entry: status and findings */
	struct cJSON *manifest_kernels; /* gets the manifest's entry: status and btf */
	struct cJSON *kernel_cache;	/* gets "release": "hit" or "miss" */
	struct cJSON *kernel_shared;	/* serve --registry: "release": "hit|pushed|miss|local" */
};
/*
 * The checks of the object against kernels @k[0..@n) (pipeline_kernels.c), each from the cache
 * (its per-kernel key) or made once however many requests want it, those made here recorded in
 * one cache transaction; then added to the package and the answer in the order given.
 */
int pipeline_kernels_add(struct kernel_step *ks, const struct btf_kernel *k, size_t n);

/* One kernel's outcome: its report (status, findings) and its minimized BTF. */
struct kernel_result {
	char key[EUCC_SHA256_HEX]; /* the per-kernel key */
	struct cJSON *meta;	   /* {"status", "findings"} */
	void *min;
	size_t min_size;
	char digest[EUCC_SHA256_HEX]; /* of min */
	bool hit;
	bool led;	    /* checked here: leads its flight until pipeline_kernels_store */
	const char *shared; /* with a registry: "hit", "pushed", "miss" */
};
/* The parts of one kernel's step (pipeline_kernel.c), for pipeline_kernels_add: */
void pipeline_kernel_key(const struct kernel_step *ks, const struct btf_kernel *k,
			 struct kernel_result *kr);
/* From the cache: the record and its blob (false if either is missing or damaged). */
bool pipeline_kernel_cached(struct kernel_step *ks, struct kernel_result *kr);
/* Check @k, the caller leading kr->key's flight; the minimized BTF stays in memory. */
int pipeline_kernel_check(struct kernel_step *ks, const struct btf_kernel *k,
			  struct kernel_result *kr);
/* Record the results checked here in one cache transaction (and the registry), then end their
 * flights. */
void pipeline_kernels_store(struct kernel_step *ks, struct kernel_result **kr, size_t n);
/* From the cache, or checked and stored once however many requests want it (may wait);
 * kr->key is set. */
int pipeline_kernel_result(struct kernel_step *ks, const struct btf_kernel *k,
			   struct kernel_result *kr);
/* Add the result to the package (btf/<arch>/<release>.btf) and to the answer's arrays. */
int pipeline_kernel_append(struct kernel_step *ks, const struct btf_kernel *k,
			   struct kernel_result *kr);
void pipeline_kernel_result_free(struct kernel_result *kr);
/* Store package @data as an artifact and add {"package": {digest, size, url}} to @answer. */
int pipeline_store_package(struct service *s, const void *data, size_t size, struct cJSON *answer);
/* {"package": {digest, size, url}} of the stored package @hex to @answer. */
void pipeline_package_json(struct cJSON *answer, const char *hex, size_t size);
/* @text escaped (str_escape) as @o's member @name: it may quote a program or a kernel's BTF. */
void pipeline_add_text(struct cJSON *o, const char *name, const char *text);

/* The keys of a job (object, request), from its request, arch, header and kernels. */
void pipeline_keys(struct pipeline_job *c);
/* Resolve specs and the header kernel, compute the keys. */
int pipeline_prepare(struct pipeline_job *c, struct eucc_error *err);
/* Run the whole pipeline (worker thread): 0 and @answer, or an error (diagnostics for
 * "compile_error" in answer->diagnostics). */
int pipeline_run(struct pipeline_job *c, struct compile_answer *answer, struct eucc_error *err);
/* A compile error whose diagnostics (@diags) name what the header kernel lacks and the newest
 * stored kernel of the arch has: a hint in @err that names --headers. */
void pipeline_header_hint(struct pipeline_job *c, const struct cJSON *diags,
			  struct eucc_error *err);
/* Where the time of a compile against the program's own header went. */
struct min_timings {
	uint64_t preprocess_ns, header_ns, clang_ns;
};

/*
 * Compile against a kernel header of the program's own (pipeline_min_header.c): clang -E in
 * the sandbox, the types its identifiers name, then clang against that header. 0 with the
 * object in @res; -EAGAIN when there is none (counted in the metrics): compile @job as given.
 */
int pipeline_min_compile(struct pipeline_job *c, const struct compile_job *job,
			 struct compile_result *res, struct min_timings *t);
/* The answer of a package-level cache hit, from the stored report. */
int pipeline_hit_answer(struct pipeline_job *c, const char *stored, struct compile_answer *answer);

/* [{"name","type","description"}] of the read-only globals, comments taken from the sources. */
struct cJSON *pipeline_parameters(const struct compile_request *req, const struct cJSON *globals);
/* @req, or @copy of it whose main source (*text, malloc'd; free both *text and copy->sources
 * after the compile) ends with an EUCC_EVENT declaration for each ring or perf buffer that has
 * none and whose record type the sources show: the struct passed to bpf_ringbuf_output or
 * bpf_perf_event_output or pointed to by bpf_ringbuf_reserve's result, else `struct event` of
 * the header named like the program (prog.h beside prog.bpf.c). */
const struct compile_request *pipeline_with_events(const struct compile_request *req,
						   struct compile_request *copy, char **text);
/* Set "found" of the manifest's events that pipeline_with_events declared: the call it was
 * found at, or "header". */
void pipeline_events_found(const struct compile_request *req, struct cJSON *manifest);
/* Add "unit" (usecs, nsecs, msecs) to each map of @manifest whose comment in the sources (just
 * above its `struct {`) names a time unit, as histograms of latencies say what they count. */
void pipeline_map_units(const struct compile_request *req, struct cJSON *manifest);
/* Add each parameter's "default" to @params and "events" ([{map, type, size}] declared with
 * EUCC_EVENT) to @manifest, read from the object with libbpf (opened, never loaded). */
int pipeline_object_info(const void *object, size_t size, struct cJSON *params,
			 struct cJSON *manifest);

/* The job runs (and its waiters are answered) once: join one in flight, or queue it. */
int requests_start(struct service *s, struct pipeline_job *job, compile_done_fn done, void *ctx,
		   struct eucc_error *err);

/* A job dir (@dir true) or temp file in DATA/tmp named PREFIX-XXXXXX, in @path, with *fd open
 * on it and holding its lock (tmpdirs.c): close *fd only after removing it. */
int tmp_make_locked(const char *data_dir, const char *prefix, bool dir, char *path, size_t size,
		    int *fd, struct eucc_error *err);

#endif
