/* SPDX-License-Identifier: Apache-2.0 */
/* The compile worker pool behind a bounded queue, and in-process single flights. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static void *worker_main(void *arg)
{
	struct work_pool *p = arg;

	for (;;) {
		struct work_item *item;

		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		item = p->head;
		if (!item) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		p->head = item->next;
		if (!p->head)
			p->tail = NULL;
		p->depth--;
		atomic_fetch_sub(&p->metrics->queue_depth, 1);
		pthread_mutex_unlock(&p->lock);
		atomic_fetch_add(&p->metrics->jobs_running, 1);
		item->run(item->arg);
		atomic_fetch_sub(&p->metrics->jobs_running, 1);
	}
}

int work_pool_start(struct work_pool *p, unsigned int threads, unsigned int queue_max,
		    struct metrics *m)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->max = queue_max;
	p->metrics = m;
	p->threads = calloc(threads, sizeof(*p->threads));
	if (!p->threads)
		return -ENOMEM;
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker_main, p)) {
			work_pool_stop(p);
			return -EAGAIN;
		}
	return 0;
}

int work_pool_submit(struct work_pool *p, struct work_item *item)
{
	pthread_mutex_lock(&p->lock);
	if (p->depth >= p->max || p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return -EBUSY;
	}
	item->next = NULL;
	if (p->tail)
		p->tail->next = item;
	else
		p->head = item;
	p->tail = item;
	p->depth++;
	atomic_fetch_add(&p->metrics->queue_depth, 1);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void work_pool_stop(struct work_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	p->threads = NULL;
	p->nthreads = 0;
	/* the lock stays: the HTTP side may still submit (and be refused) until it stops */
}

void work_pool_destroy(struct work_pool *p)
{
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

void flight_table_init(struct flight_table *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->done, NULL);
}

void flight_table_destroy(struct flight_table *t)
{
	free(t->keys);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
}

static ssize_t flight_find(const struct flight_table *t, const char *key)
{
	for (size_t i = 0; i < t->count; i++)
		if (!strcmp(t->keys[i], key))
			return (ssize_t)i;
	return -1;
}

bool flight_begin(struct flight_table *t, const char *key)
{
	bool waited = false;

	pthread_mutex_lock(&t->lock);
	while (flight_find(t, key) >= 0) {
		waited = true;
		pthread_cond_wait(&t->done, &t->lock);
	}
	if (waited) {
		pthread_mutex_unlock(&t->lock);
		return false;
	}
	if (t->count == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		void *n = realloc(t->keys, ncap * sizeof(*t->keys));

		if (!n) { /* cannot record: lead without deduplication */
			pthread_mutex_unlock(&t->lock);
			return true;
		}
		t->keys = n;
		t->cap = ncap;
	}
	memcpy(t->keys[t->count++], key, EUCC_SHA256_HEX);
	pthread_mutex_unlock(&t->lock);
	return true;
}

void flight_end(struct flight_table *t, const char *key)
{
	ssize_t i;

	pthread_mutex_lock(&t->lock);
	i = flight_find(t, key);
	if (i >= 0)
		memmove(t->keys[i], t->keys[t->count - 1], EUCC_SHA256_HEX), t->count--;
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
}
