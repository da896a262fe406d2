/* SPDX-License-Identifier: Apache-2.0 */
/* The compile worker pool behind a bounded queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

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
		if (p->queue_depth)
			atomic_fetch_sub(p->queue_depth, 1);
		pthread_mutex_unlock(&p->lock);
		if (p->running)
			atomic_fetch_add(p->running, 1);
		item->run(item->arg);
		if (p->running)
			atomic_fetch_sub(p->running, 1);
	}
}

int work_pool_start(struct work_pool *p, unsigned int threads, unsigned int queue_max)
{
	atomic_long *depth = p->queue_depth, *running = p->running;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->max = queue_max;
	p->queue_depth = depth;
	p->running = running;
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
	if (p->queue_depth)
		atomic_fetch_add(p->queue_depth, 1);
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
