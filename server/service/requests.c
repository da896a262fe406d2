/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Identical compile requests in flight run once: the first queues a job, the ones that come
 * while it runs wait for it, and every waiter gets the same outcome through its callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline_internal.h"

/* Unlink @job from the jobs in flight (called with requests_lock). */
static void inflight_remove(struct service *s, struct pipeline_job *job)
{
	for (struct pipeline_job **p = &s->inflight; *p; p = &(*p)->next_inflight)
		if (*p == job) {
			*p = job->next_inflight;
			return;
		}
}

static void job_run(void *arg)
{
	struct pipeline_job *job = arg;
	struct service *s = job->s;
	struct compile_answer answer = {0};
	struct eucc_error err = {0};
	struct job_waiter *w;
	int ret = pipeline_run(job, &answer, &err);

	/* No waiter can join once the job is out of the list: the list is final. */
	pthread_mutex_lock(&s->requests_lock);
	inflight_remove(s, job);
	w = job->waiters;
	pthread_mutex_unlock(&s->requests_lock);
	for (; w; w = w->next)
		w->done(w->ctx, ret, &answer, ret ? &err : NULL);
	compile_answer_free(&answer);
	pipeline_job_free(job);
}

static int add_waiter(struct pipeline_job *job, compile_done_fn done, void *ctx)
{
	struct job_waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->done = done;
	w->ctx = ctx;
	w->next = job->waiters;
	job->waiters = w;
	return 0;
}

/* An identical job in flight takes the waiter: true if joined. */
static bool join_inflight(struct service *s, const struct pipeline_job *job, compile_done_fn done,
			  void *ctx)
{
	for (struct pipeline_job *l = s->inflight; l; l = l->next_inflight)
		if (!strcmp(l->request_key, job->request_key))
			return add_waiter(l, done, ctx) == 0;
	return false;
}

int requests_start(struct service *s, struct pipeline_job *job, compile_done_fn done, void *ctx,
		   struct eucc_error *err)
{
	int ret = 0;

	pthread_mutex_lock(&s->requests_lock);
	if (join_inflight(s, job, done, ctx)) {
		pthread_mutex_unlock(&s->requests_lock);
		atomic_fetch_add(&s->metrics.flights_joined, 1);
		pipeline_job_free(job);
		return 0;
	}
	job->work.run = job_run;
	job->work.arg = job;
	ret = add_waiter(job, done, ctx);
	if (!ret)
		ret = work_pool_submit(&s->pool, &job->work);
	if (!ret) {
		job->next_inflight = s->inflight;
		s->inflight = job;
	}
	pthread_mutex_unlock(&s->requests_lock);
	if (!ret)
		return 0;
	pipeline_job_free(job);
	if (ret == -EBUSY) {
		atomic_fetch_add(&s->metrics.queue_rejected, 1);
		eucc_error_set(err, ret, EUCC_E_BUSY,
			       "all compile workers are busy and the queue is full");
		eucc_error_hint(err, "retry after a few seconds");
		return ret;
	}
	return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot queue the compile: %s",
			      strerror(-ret));
}
