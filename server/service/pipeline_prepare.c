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

/* The sources' digest and the source key (common.h), which a client computes the same way. */
static void source_key(struct pipeline_job *c)
{
	struct eucc_source *src = calloc(c->req.nsources ? c->req.nsources : 1, sizeof(*src));
	const char *flags[COMPILE_MAX_CFLAGS];

	for (size_t i = 0; src && i < c->req.nsources; i++)
		src[i] = (struct eucc_source){c->req.sources[i].path, c->req.sources[i].data,
					      c->req.sources[i].size};
	if (!src || eucc_sources_digest(src, c->req.nsources, c->source_digest))
		abort(); /* out of memory: no key rather than a wrong one */
	free(src);
	for (size_t i = 0; i < c->req.ncflags; i++)
		flags[i] = c->req.cflags[i];
	eucc_source_key(c->arch, c->req.main, c->source_digest, flags, c->req.ncflags,
			c->source_key);
}

void pipeline_keys(struct pipeline_job *c)
{
	const char *okey[] = {"object", EUCC_PIPELINE_VERSION, c->toolchain->identity,
			      c->header.sha256, NULL};
	const char *rkey[4 + 2 * COMPILE_MAX_KERNELS];
	size_t n = 0;

	source_key(c);
	okey[4] = c->source_key;
	cache_key_digest(c->object_key, okey, 5);
	rkey[n++] = "request";
	rkey[n++] = c->object_key;
	rkey[n++] = c->req.name;
	/* the signer is part of the package's bytes: a new key makes new packages */
	if (c->s && c->s->opts.signing_key)
		rkey[n++] = eucc_key_id(c->s->opts.signing_key);
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
