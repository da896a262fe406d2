/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compile request from its body to an answer: the memo of hot answers, parsing and checks,
 * kernels and keys, the package cache; what is left runs on a worker (requests.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline_internal.h"

void compile_answer_free(struct compile_answer *a)
{
	free(a->json);
	cJSON_Delete(a->diagnostics);
	memset(a, 0, sizeof(*a));
}

int service_parse_json(const char *body, size_t len, cJSON **out, struct eucc_error *err)
{
	const char *end = NULL;
	cJSON *json;
	size_t pos;

	*out = NULL;
	if (!len) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST, "the request has no body");
		eucc_error_hint(err, "send a JSON object; see docs/api.md");
		return -EINVAL;
	}
	json = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!json) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST, "malformed JSON near byte %zu",
			       end ? (size_t)(end - body) : 0);
		eucc_error_hint(err, "send a JSON object; see docs/api.md");
		return -EINVAL;
	}
	pos = (size_t)(end - body);
	while (pos < len && strchr(" \t\r\n", body[pos]) && body[pos])
		pos++;
	if (pos < len) { /* one JSON text and nothing after it, not even a NUL */
		cJSON_Delete(json);
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "unexpected data after the JSON object at byte %zu", pos);
		eucc_error_hint(err, "send one JSON object and nothing after it");
		return -EINVAL;
	}
	*out = json;
	return 0;
}

static int parse_body(const char *body, size_t len, struct compile_request *req,
		      struct eucc_error *err)
{
	cJSON *json;
	int ret = service_parse_json(body, len, &json, err);

	if (ret && !len)
		eucc_error_hint(err, "send a JSON object with name, main, sources and kernels");
	if (ret)
		return ret;
	ret = compile_request_parse(json, req, err);
	cJSON_Delete(json);
	return ret;
}

/* A package-level hit, with its artifact still there (the two are evicted one by one) and
 * its bytes good: a hit never points at a damaged blob. @digest: the package's. */
static int package_hit(struct pipeline_job *c, struct compile_answer *now,
		       char digest[EUCC_SHA256_HEX])
{
	char artifact[EUCC_SHA256_HEX];
	char *stored = NULL;
	int ret = -ENOENT;

	if (!cache_key_get(c->s->cache, "package", c->request_key, digest, &stored) &&
	    !cache_key_get(c->s->cache, "artifact", digest, artifact, NULL) &&
	    !cache_blob_check(c->s->cache, artifact))
		ret = pipeline_hit_answer(c, stored, now);
	free(stored);
	return ret;
}

/*
 * The memo of hot answers: the package's digest, then the answer. An answer is taken only if
 * no damaged blob was found since it was kept and its package is still there and good.
 */
static void memo_keep(struct service *s, const char *key, const char *digest,
		      const struct compile_answer *a)
{
	char *v = malloc(EUCC_SHA256_HEX - 1 + a->len);

	if (!v)
		return;
	memcpy(v, digest, EUCC_SHA256_HEX - 1);
	memcpy(v + EUCC_SHA256_HEX - 1, a->json, a->len);
	memo_put(&s->answers, key, v, EUCC_SHA256_HEX - 1 + a->len, cache_damaged_count(s->cache));
	free(v);
}

static bool memo_answer(struct service *s, const char *key, struct compile_answer *now)
{
	char digest[EUCC_SHA256_HEX];
	uint64_t damaged;
	size_t len;
	char *v = memo_get(&s->answers, key, &len, &damaged);
	bool ok = v && len >= EUCC_SHA256_HEX - 1 && damaged == cache_damaged_count(s->cache);

	if (ok) {
		snprintf(digest, sizeof(digest), "%.*s", EUCC_SHA256_HEX - 1, v);
		ok = !cache_blob_check(s->cache, digest);
	}
	if (ok) {
		now->len = len - (EUCC_SHA256_HEX - 1);
		now->json = strndup(v + EUCC_SHA256_HEX - 1, now->len);
		ok = now->json != NULL;
	}
	free(v);
	return ok;
}

int service_compile_begin(struct service *s, const void *body, size_t len,
			  struct compile_answer *now, struct pipeline_job **job,
			  struct eucc_error *err)
{
	char digest[EUCC_SHA256_HEX];
	struct pipeline_job *c;
	uint64_t t0 = eucc_now_ns();
	int ret;

	memset(now, 0, sizeof(*now));
	*job = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	/* The same body a moment ago: the same answer, without parsing or index queries. */
	eucc_sha256_hex(body ? body : "", len, c->body_key);
	if (memo_answer(s, c->body_key, now)) {
		atomic_fetch_add(&s->metrics.package_hits, 1);
		free(c);
		return 0;
	}
	c->s = s;
	c->started_ns = t0;
	ret = parse_body(body, len, &c->req, err);
	if (!ret)
		ret = pipeline_prepare(c, err);
	histogram_observe(&s->metrics.stages[STAGE_PREPARE], eucc_now_ns() - t0);
	if (ret) {
		pipeline_job_free(c);
		return ret;
	}
	if (!package_hit(c, now, digest)) {
		atomic_fetch_add(&s->metrics.package_hits, 1);
		memo_keep(s, c->body_key, digest, now);
		pipeline_job_free(c);
		return 0;
	}
	atomic_fetch_add(&s->metrics.package_misses, 1);
	*job = c;
	return 1;
}

int service_compile_start(struct service *s, struct pipeline_job *job, compile_done_fn done,
			  void *ctx, struct eucc_error *err)
{
	return requests_start(s, job, done, ctx, err);
}
