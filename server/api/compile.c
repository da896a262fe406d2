/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/compile. The service answers at once what it can (memo, package cache, bad
 * requests); otherwise the request is suspended until a worker's job (or an identical one in
 * flight) is done, and resumed with its answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api.h"

/* On a worker thread: keep the answer for the HTTP thread, then resume the request. */
static void compile_done(void *ctx, int ret, const struct compile_answer *a,
			 const struct eucc_error *err)
{
	struct request_state *r = ctx;

	if (!ret) {
		r->status = MHD_HTTP_OK;
		r->answer = strndup(a->json, a->len);
	} else {
		r->answer = reply_error_body(err, a, &r->status);
	}
	if (!r->answer) {
		struct eucc_error oom;

		eucc_error_set(&oom, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		r->answer = reply_error_body(&oom, NULL, &r->status);
	}
	r->answer_len = r->answer ? strlen(r->answer) : 0;
	r->answered = true;
	http_resume(r);
}

int api_compile(struct request_state *r)
{
	struct service *svc = &r->server->svc;
	struct compile_answer now;
	struct eucc_error err = {0};
	struct pipeline_job *job;
	int ret;

	ret = service_compile_begin(svc, r->body, r->body_len, &now, &job, &err);
	if (ret < 0)
		return reply_error(r, &err);
	if (ret == 0) {
		ret = reply_text(r, MHD_HTTP_OK, "application/json", now.json, now.len);
		compile_answer_free(&now);
		return ret;
	}
	/* Suspended before the job can end: its callback resumes a suspended request. */
	MHD_suspend_connection(r->conn);
	if (service_compile_start(svc, job, compile_done, r, &err)) {
		MHD_resume_connection(r->conn);
		return reply_error(r, &err);
	}
	return MHD_YES;
}
