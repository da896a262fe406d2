/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernels of one request together: their per-kernel steps (pipeline_kernel.c) run several at
 * a time, and the results made here are recorded in one cache transaction.
 *
 * First pass, on up to s->check_threads threads (the caller is one of them): each kernel comes
 * from the cache, or is checked here when no other request leads its per-kernel key; a key led
 * by another request is left for later, without waiting. The results checked here are then
 * stored together and their flights end. Last, the kernels left for later are done one by one,
 * waiting for their leaders as a lone kernel does. Nothing is waited for while a flight is led,
 * so two requests that share kernels cannot wait for each other. The results go into the
 * package and the answer in the order of the request's kernels, whatever order they were made in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_internal.h"

struct kernels_run {
	struct kernel_step *ks;
	const struct btf_kernel *k;
	struct kernel_result *kr;
	bool *later; /* led by another request: done after the first pass */
	size_t n;
	atomic_size_t next;
	atomic_int ret; /* the first error */
};

/* The first pass for kernel @i. */
static int kernel_try(struct kernels_run *r, size_t i)
{
	struct kernel_step *ks = r->ks;
	struct kernel_result *kr = &r->kr[i];
	int ret;

	pipeline_kernel_key(ks, &r->k[i], kr);
	if (pipeline_kernel_cached(ks, kr))
		return 0;
	if (!flight_try_begin(&ks->s->kernel_flights, kr->key)) {
		r->later[i] = true;
		return 0;
	}
	/* the leader asks the registry once, for every request waiting on it */
	if (registry_fetch(ks->s, "kernel", kr->key)) {
		flight_end(&ks->s->kernel_flights, kr->key);
		kr->shared = "hit";
		r->later[i] = !pipeline_kernel_cached(ks, kr);
		return 0;
	}
	ret = pipeline_kernel_check(ks, &r->k[i], kr);
	if (ret)
		flight_end(&ks->s->kernel_flights, kr->key);
	return ret;
}

static void *kernels_worker(void *arg)
{
	struct kernels_run *r = arg;
	size_t i;

	while (!atomic_load(&r->ret) && (i = atomic_fetch_add(&r->next, 1)) < r->n) {
		int ret = kernel_try(r, i), none = 0;

		if (ret)
			atomic_compare_exchange_strong(&r->ret, &none, ret);
	}
	return NULL;
}

/* The first pass on the caller and up to check_threads - 1 more threads. */
static void first_pass(struct kernels_run *r)
{
	unsigned int want = r->ks->s->check_threads, started = 0;
	pthread_t threads[8];

	if (want > r->n)
		want = (unsigned int)r->n;
	if (want > sizeof(threads) / sizeof(threads[0]))
		want = sizeof(threads) / sizeof(threads[0]);
	while (started + 1 < want && !pthread_create(&threads[started], NULL, kernels_worker, r))
		started++;
	kernels_worker(r);
	for (unsigned int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
}

/* Record what the first pass checked, in one transaction, and end those flights. */
static void store_checked(struct kernels_run *r)
{
	struct kernel_result **led = calloc(r->n, sizeof(*led));
	size_t m = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (!r->kr[i].led)
			continue;
		if (led) {
			led[m++] = &r->kr[i];
		} else { /* out of memory: one at a time */
			struct kernel_result *one = &r->kr[i];

			pipeline_kernels_store(r->ks, &one, 1);
		}
	}
	if (m)
		pipeline_kernels_store(r->ks, led, m);
	free(led);
}

int pipeline_kernels_add(struct kernel_step *ks, const struct btf_kernel *k, size_t n)
{
	struct kernels_run r = {.ks = ks, .k = k, .n = n};
	int ret;

	r.kr = calloc(n ? n : 1, sizeof(*r.kr));
	r.later = calloc(n ? n : 1, sizeof(*r.later));
	if (!r.kr || !r.later) {
		free(r.kr);
		free(r.later);
		return -ENOMEM;
	}
	first_pass(&r);
	store_checked(&r);
	ret = atomic_load(&r.ret);
	for (size_t i = 0; !ret && i < n; i++)
		if (r.later[i])
			ret = pipeline_kernel_result(ks, &k[i], &r.kr[i]);
	for (size_t i = 0; !ret && i < n; i++)
		ret = pipeline_kernel_append(ks, &k[i], &r.kr[i]);
	for (size_t i = 0; i < n; i++)
		pipeline_kernel_result_free(&r.kr[i]);
	free(r.kr);
	free(r.later);
	return ret;
}
