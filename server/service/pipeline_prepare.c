/* SPDX-License-Identifier: Apache-2.0 */
/* Before any work: which kernels, which header, which cache keys. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_internal.h"

static int cmp_kernel(const void *a, const void *b)
{
	const struct btf_kernel *x = a, *y = b;

	return release_cmp(x->release, y->release);
}

static int add_kernels(struct pipeline_job *c, const struct btf_kernel *ks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < c->nkernels && !dup; j++)
			dup = c->kernels[j].id == ks[i].id;
		if (dup)
			continue;
		struct btf_kernel *nk = realloc(c->kernels, (c->nkernels + 1) * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		c->kernels = nk;
		c->kernels[c->nkernels++] = ks[i];
	}
	return 0;
}

static int resolve_kernels(struct pipeline_job *c, struct eucc_error *err)
{
	for (size_t i = 0; i < c->req.nkernels; i++) {
		struct btf_kernel *ks = NULL;
		size_t n = 0;
		int ret;

		if (!strcmp(c->req.kernels[i], "local")) {
			eucc_error_set(
			    err, -EINVAL, EUCC_E_BAD_REQUEST,
			    "'local' is the client's kernel, which the server cannot know");
			eucc_error_hint(err, "send its release (uname -r); eucc-remote does that");
			return -EINVAL;
		}
		ret = btf_store_match(c->s->store, c->req.kernels[i], c->arch, &ks, &n, err);
		if (ret)
			return ret;
		if (n == 0) {
			free(ks);
			btf_store_explain_miss(c->s->store, c->req.kernels[i], c->arch, err);
			return -ENOENT;
		}
		ret = add_kernels(c, ks, n);
		free(ks);
		if (ret)
			return eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	}
	qsort(c->kernels, c->nkernels, sizeof(*c->kernels), cmp_kernel);
	if (c->nkernels > COMPILE_MAX_KERNELS) {
		eucc_error_set(err, -E2BIG, EUCC_E_BAD_REQUEST,
			       "the specs match %zu kernels, more than %d", c->nkernels,
			       COMPILE_MAX_KERNELS);
		eucc_error_hint(err, "narrow the specs (add a version or --arch)");
		return -E2BIG;
	}
	return 0;
}

static int choose_header(struct pipeline_job *c, struct eucc_error *err)
{
	if (!c->req.headers) {
		c->header = c->kernels[c->nkernels - 1]; /* the newest target */
		return 0;
	}
	return btf_store_get(c->s->store, c->req.headers, c->arch, &c->header, err);
}

/* sha256 over sorted (path, sha256(content)) pairs. */
static void digest_sources(struct pipeline_job *c)
{
	size_t n = c->req.nsources * 2;
	const char **parts = calloc(n, sizeof(*parts));
	char(*hex)[EUCC_SHA256_HEX] = calloc(c->req.nsources, sizeof(*hex));

	for (size_t i = 0; parts && hex && i < c->req.nsources; i++) {
		eucc_sha256_hex(c->req.sources[i].data, c->req.sources[i].size, hex[i]);
		parts[2 * i] = c->req.sources[i].path;
		parts[2 * i + 1] = hex[i];
	}
	cache_key_digest(c->source_digest, parts, parts && hex ? n : 0);
	free(parts);
	free(hex);
}

void pipeline_keys(struct pipeline_job *c)
{
	const char *okey[8 + COMPILE_MAX_CFLAGS];
	const char *rkey[4 + 2 * COMPILE_MAX_KERNELS];
	size_t n = 0;

	digest_sources(c);
	okey[n++] = "object";
	okey[n++] = EUCC_PIPELINE_VERSION;
	okey[n++] = c->toolchain->identity;
	okey[n++] = c->arch;
	okey[n++] = c->header.sha256;
	okey[n++] = c->req.main;
	okey[n++] = c->source_digest;
	for (size_t i = 0; i < c->req.ncflags; i++)
		okey[n++] = c->req.cflags[i];
	cache_key_digest(c->object_key, okey, n);
	n = 0;
	rkey[n++] = "request";
	rkey[n++] = c->object_key;
	rkey[n++] = c->req.name;
	for (size_t i = 0; i < c->nkernels; i++) {
		rkey[n++] = c->kernels[i].release;
		rkey[n++] = c->kernels[i].sha256;
	}
	cache_key_digest(c->request_key, rkey, n);
}

int pipeline_prepare(struct pipeline_job *c, struct eucc_error *err)
{
	int ret;

	c->arch = c->req.arch ? c->req.arch : arch_host();
	ret = compile_toolchain_find(c->req.toolchain, &c->toolchain, err);
	if (!ret)
		ret = resolve_kernels(c, err);
	if (!ret)
		ret = choose_header(c, err);
	if (!ret)
		pipeline_keys(c);
	return ret;
}

void pipeline_job_free(struct pipeline_job *c)
{
	if (!c)
		return;
	compile_request_free(&c->req);
	free(c->kernels);
	for (struct job_waiter *w = c->waiters, *next; w; w = next) {
		next = w->next;
		free(w);
	}
	free(c);
}
