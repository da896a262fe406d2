/* SPDX-License-Identifier: Apache-2.0 */
/* In-process single flights: the first caller of a key leads, the others wait for it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

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

/* Record @key as led by the caller. Called locked. */
static void flight_record(struct flight_table *t, const char *key)
{
	if (t->count == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		void *n = realloc(t->keys, ncap * sizeof(*t->keys));

		if (!n) /* cannot record: lead without deduplication */
			return;
		t->keys = n;
		t->cap = ncap;
	}
	memcpy(t->keys[t->count++], key, EUCC_SHA256_HEX);
}

bool flight_begin(struct flight_table *t, const char *key)
{
	bool waited = false;

	pthread_mutex_lock(&t->lock);
	while (flight_find(t, key) >= 0) {
		waited = true;
		pthread_cond_wait(&t->done, &t->lock);
	}
	if (!waited)
		flight_record(t, key);
	pthread_mutex_unlock(&t->lock);
	return !waited;
}

bool flight_try_begin(struct flight_table *t, const char *key)
{
	bool led;

	pthread_mutex_lock(&t->lock);
	led = flight_find(t, key) < 0;
	if (led)
		flight_record(t, key);
	pthread_mutex_unlock(&t->lock);
	return led;
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
