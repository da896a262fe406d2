/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A short-lived memo of answers on the hot path: a compile request seen a moment ago (by the
 * sha256 of its body) and an artifact's file. Entries expire after a few seconds, so that
 * kernels imported, removed or evicted meanwhile are seen soon; within that time a repeated
 * request costs a hash and a copy instead of JSON parsing and index queries.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service.h"

void memo_init(struct memo *m, unsigned int ttl_ms)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->ttl_ns = (uint64_t)ttl_ms * EUCC_NS_PER_MS;
}

void memo_destroy(struct memo *m)
{
	for (size_t i = 0; i < MEMO_SLOTS; i++)
		free(m->slots[i].value);
	pthread_mutex_destroy(&m->lock);
}

static struct memo_slot *slot_of(struct memo *m, const char *key)
{
	unsigned long h = strtoul(
	    (char[9]){key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7], 0}, NULL, 16);

	return &m->slots[h % MEMO_SLOTS];
}

void memo_put(struct memo *m, const char *key, const void *value, size_t len, uint64_t aux)
{
	struct memo_slot *s;
	char *copy;

	if (!m->ttl_ns || !(copy = malloc(len + 1)))
		return;
	memcpy(copy, value, len);
	copy[len] = '\0';
	pthread_mutex_lock(&m->lock);
	s = slot_of(m, key);
	free(s->value);
	memcpy(s->key, key, EUCC_SHA256_HEX);
	s->value = copy;
	s->len = len;
	s->aux = aux;
	s->expires = eucc_now_ns() + m->ttl_ns;
	pthread_mutex_unlock(&m->lock);
}

char *memo_get(struct memo *m, const char *key, size_t *len, uint64_t *aux)
{
	struct memo_slot *s;
	char *copy = NULL;

	pthread_mutex_lock(&m->lock);
	s = slot_of(m, key);
	if (s->value && !strcmp(s->key, key) && s->expires > eucc_now_ns() &&
	    (copy = malloc(s->len + 1))) {
		memcpy(copy, s->value, s->len + 1);
		*len = s->len;
		if (aux)
			*aux = s->aux;
	}
	pthread_mutex_unlock(&m->lock);
	return copy;
}
