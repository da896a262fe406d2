/* SPDX-License-Identifier: Apache-2.0 */
/* The compile pipeline behind POST /v1/compile (server/pipeline_*.c, api_compile.c). */
#ifndef EUCC_SERVER_PIPELINE_H
#define EUCC_SERVER_PIPELINE_H

#include "serve.h"

struct compile_ctx {
	struct server *s;
	struct compile_request req;
	const char *arch;
	struct btf_kernel *kernels; /* targets, deduplicated, sorted */
	size_t nkernels;
	struct btf_kernel header; /* the kernel whose vmlinux.h is compiled against */
	char source_digest[EUCC_SHA256_HEX];
	char object_key[EUCC_SHA256_HEX];
	char request_key[EUCC_SHA256_HEX];
	uint64_t started_ns;
	struct work_item work;
	struct request_state *leader; /* first of the requests answered by this job */
};

/* Resolve specs and header kernel, compute the keys. HTTP status (0 = fine) and @err. */
unsigned int pipeline_prepare(struct compile_ctx *c, struct eucc_error *err);
/* Run the whole pipeline (worker thread). Returns the HTTP status; *answer is the body. */
unsigned int pipeline_run(struct compile_ctx *c, char **answer);
void pipeline_free(struct compile_ctx *c);
/* Answer of a package-level cache hit, from the stored response (malloc'd JSON). */
char *pipeline_hit_answer(struct compile_ctx *c, const char *stored);

/* [{"name","type","description"}] of the read-only globals, comments taken from the sources. */
struct cJSON *pipeline_parameters(const struct compile_request *req, const struct cJSON *globals);
/* Add each parameter's "default" to @params and "events" ([{map, type, size}] declared with
 * EUCC_EVENT) to @manifest, read from the object with libbpf (opened, never loaded). */
int pipeline_object_info(const void *object, size_t size, struct cJSON *params,
			 struct cJSON *manifest);

#endif
