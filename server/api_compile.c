/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/compile. On the HTTP thread: parse, check, resolve kernels, and answer a cache hit
 * at once. Otherwise the request is suspended and the pipeline runs on a worker; identical
 * requests that arrive meanwhile wait for the same run and get the same answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "pipeline.h"

/* Unlink the requests waiting for @leader's run (called with requests_lock). */
static void inflight_remove(struct server *s, struct request_state *leader)
{
	for (struct request_state **p = &s->inflight; *p; p = &(*p)->next_inflight)
		if (*p == leader) {
			*p = leader->next_inflight;
			return;
		}
}

static void answer_all(struct request_state *leader, unsigned int status, char *answer)
{
	struct server *s = leader->server;
	struct request_state *r, *next;
	size_t len = answer ? strlen(answer) : 0;

	pthread_mutex_lock(&s->requests_lock);
	inflight_remove(s, leader);
	pthread_mutex_unlock(&s->requests_lock);
	for (r = leader; r; r = next) {
		next = r->next_waiter;
		r->status = status;
		r->answer = answer ? strndup(answer, len) : NULL;
		r->answer_len = len;
		r->answered = true;
		if (!r->answer) {
			r->answer = http_error_body("internal", "out of memory", NULL);
			r->answer_len = r->answer ? strlen(r->answer) : 0;
			r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
		http_resume(r);
	}
	free(answer);
}

static void compile_job_run(void *arg)
{
	struct compile_ctx *c = arg;
	char *answer = NULL;
	unsigned int status = pipeline_run(c, &answer);

	answer_all(c->leader, status, answer);
	pipeline_free(c);
}

/* Join an identical request in flight: true if joined (the caller suspends). */
static bool join_inflight(struct request_state *r, const char *key)
{
	struct server *s = r->server;
	bool joined = false;

	pthread_mutex_lock(&s->requests_lock);
	for (struct request_state *l = s->inflight; l && !joined; l = l->next_inflight) {
		if (strcmp(l->key, key))
			continue;
		r->next_waiter = l->next_waiter;
		l->next_waiter = r;
		joined = true;
		MHD_suspend_connection(r->conn);
	}
	pthread_mutex_unlock(&s->requests_lock);
	if (joined)
		atomic_fetch_add(&s->metrics.flights_joined, 1);
	return joined;
}

static int start_job(struct request_state *r, struct compile_ctx *c)
{
	struct server *s = r->server;

	memcpy(r->key, c->request_key, EUCC_SHA256_HEX);
	if (join_inflight(r, c->request_key)) {
		pipeline_free(c);
		return MHD_YES;
	}
	c->leader = r;
	c->work.run = compile_job_run;
	c->work.arg = c;
	pthread_mutex_lock(&s->requests_lock);
	MHD_suspend_connection(r->conn);
	if (work_pool_submit(&s->pool, &c->work)) {
		MHD_resume_connection(r->conn);
		pthread_mutex_unlock(&s->requests_lock);
		pipeline_free(c);
		atomic_fetch_add(&s->metrics.queue_rejected, 1);
		return http_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
					"all compile workers are busy and the queue is full",
					"retry after a few seconds");
	}
	r->next_inflight = s->inflight;
	s->inflight = r;
	pthread_mutex_unlock(&s->requests_lock);
	return MHD_YES;
}

static int parse_body(struct request_state *r, struct compile_ctx *c)
{
	struct eucc_error err = {0};
	const char *end = NULL;
	cJSON *body;
	int ret;

	if (!r->body_len)
		return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
					"the request has no body",
					"send a JSON object with name, main, sources and kernels");
	body = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0);
	if (!body) {
		char msg[128];

		snprintf(msg, sizeof(msg), "malformed JSON near byte %zu",
			 end ? (size_t)(end - r->body) : 0);
		return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", msg,
					"send a JSON object; see docs/api.md");
	}
	ret = compile_request_parse(body, &c->req, &err);
	cJSON_Delete(body);
	if (ret)
		return http_reply_eucc_error(r, MHD_HTTP_BAD_REQUEST, &err);
	return -1; /* parsed: go on */
}

int api_compile(struct request_state *r)
{
	struct compile_ctx *c = calloc(1, sizeof(*c));
	struct eucc_error err = {0};
	char digest[EUCC_SHA256_HEX], body_key[EUCC_SHA256_HEX], artifact[EUCC_SHA256_HEX];
	char *stored = NULL, *answer;
	unsigned int status;
	size_t len;
	int ret;

	if (!c)
		return MHD_NO;
	/* The same body a moment ago: the same answer, without parsing or index queries. */
	eucc_sha256_hex(r->body ? r->body : "", r->body_len, body_key);
	if ((answer = memo_get(&r->server->answers, body_key, &len, NULL))) {
		atomic_fetch_add(&r->server->metrics.package_hits, 1);
		ret = http_reply_text(r, MHD_HTTP_OK, "application/json", answer, len);
		free(answer);
		free(c);
		return ret;
	}
	c->s = r->server;
	c->started_ns = monotonic_ns();
	ret = parse_body(r, c);
	if (ret != -1) {
		pipeline_free(c);
		return ret;
	}
	status = pipeline_prepare(c, &err);
	if (status) {
		pipeline_free(c);
		return http_reply_eucc_error(r, status, &err);
	}
	/* A hit needs its artifact too: the two keys are evicted one by one. */
	if (!cache_key_get(c->s->cache, "package", c->request_key, digest, &stored) &&
	    !cache_key_get(c->s->cache, "artifact", digest, artifact, NULL) &&
	    (answer = pipeline_hit_answer(c, stored))) {
		free(stored);
		atomic_fetch_add(&c->s->metrics.package_hits, 1);
		memo_put(&c->s->answers, body_key, answer, strlen(answer), 0);
		ret = http_reply_text(r, MHD_HTTP_OK, "application/json", answer, strlen(answer));
		free(answer);
		pipeline_free(c);
		return ret;
	}
	free(stored);
	atomic_fetch_add(&c->s->metrics.package_misses, 1);
	return start_job(r, c);
}
