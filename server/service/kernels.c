/* SPDX-License-Identifier: Apache-2.0 */
/* Parsed kernel BTF and feature tables, kept across requests (parsing 4 MB of BTF costs more
 * than checking an object against it). Unused entries beyond the cap are freed, oldest first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "service.h"

void kernel_cache_init(struct kernel_cache *kc, size_t cap)
{
	memset(kc, 0, sizeof(*kc));
	pthread_mutex_init(&kc->lock, NULL);
	kc->cap = cap;
}

static void entry_free(struct kernel_entry *e)
{
	btf_index_free(e->index);
	btf__free(e->btf);
	btf_features_free(&e->features);
	btf_header_dups_free(e->dups);
	pthread_mutex_destroy(&e->dups_lock);
	free(e);
}

void kernel_cache_destroy(struct kernel_cache *kc)
{
	for (size_t i = 0; i < kc->count; i++)
		entry_free(kc->items[i]);
	free(kc->items);
	pthread_mutex_destroy(&kc->lock);
}

/* Drop unused entries, least recently used first, while over the cap. Called locked. */
static void kernel_cache_trim(struct kernel_cache *kc)
{
	struct kernel_entry **items = kc->items;

	while (kc->count > kc->cap) {
		ssize_t victim = -1;

		for (size_t i = 0; i < kc->count; i++)
			if (!items[i]->refs &&
			    (victim < 0 || items[i]->last_used < items[victim]->last_used))
				victim = (ssize_t)i;
		if (victim < 0)
			return;
		entry_free(items[victim]);
		items[victim] = items[--kc->count];
	}
}

static int kernel_entry_load(struct btf_store *store, const struct btf_kernel *k,
			     struct kernel_entry **out, struct eucc_error *err)
{
	struct kernel_entry *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	memcpy(e->sha256, k->sha256, sizeof(e->sha256));
	pthread_mutex_init(&e->dups_lock, NULL);
	ret = btf_store_load(store, k, &e->btf, err);
	if (!ret)
		ret = btf_store_features(store, k, &e->features, err);
	if (!ret && btf_index_new(e->btf, &e->index))
		ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	if (ret) {
		entry_free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int kernel_cache_get(struct kernel_cache *kc, struct btf_store *store, const struct btf_kernel *k,
		     struct kernel_entry **out, struct eucc_error *err)
{
	struct kernel_entry **items, *e = NULL;
	int ret;

	pthread_mutex_lock(&kc->lock);
	items = kc->items;
	for (size_t i = 0; i < kc->count && !e; i++)
		if (!strcmp(items[i]->sha256, k->sha256))
			e = items[i];
	if (!e) {
		/* Parsing under the lock keeps one copy per kernel; it happens once per kernel. */
		ret = kernel_entry_load(store, k, &e, err);
		if (!ret) {
			void *n = realloc(kc->items, (kc->count + 1) * sizeof(e));
			if (!n) {
				entry_free(e);
				ret =
				    eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
			} else {
				kc->items = n;
				kc->items[kc->count++] = e;
			}
		}
		if (ret) {
			pthread_mutex_unlock(&kc->lock);
			return ret;
		}
	}
	e->refs++;
	e->last_used = ++kc->clock;
	pthread_mutex_unlock(&kc->lock);
	*out = e;
	return 0;
}

void kernel_cache_put(struct kernel_cache *kc, struct kernel_entry *e)
{
	pthread_mutex_lock(&kc->lock);
	e->refs--;
	kernel_cache_trim(kc);
	pthread_mutex_unlock(&kc->lock);
}

const struct btf_header_dups *kernel_entry_dups(struct kernel_entry *e)
{
	struct btf_header_dups *dups;

	pthread_mutex_lock(&e->dups_lock);
	if (!e->dups && btf_header_dups_new(e->btf, &e->dups))
		e->dups = NULL;
	dups = e->dups;
	pthread_mutex_unlock(&e->dups_lock);
	return dups;
}
