/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deadlines for the phases of a connection that a client controls: its headers must arrive
 * within header_timeout of the connection (or of the previous answer on a kept-alive one), its
 * body within body_timeout of the headers. libmicrohttpd closes only connections that are idle
 * (no byte at all for idle_timeout); a client that sends one byte now and then would hold a
 * connection for ever. A watchdog thread shuts such a connection down (shutdown(2): the daemon
 * sees the end of the stream and closes it itself).
 *
 * The daemon tells us of every connection (MHD_OPTION_NOTIFY_CONNECTION): a slot per
 * connection holds its socket, phase and the phase's start. The slot is released in the
 * daemon's "closed" notification, which comes before the daemon closes the socket, under the
 * same lock the watchdog holds while it shuts a socket down: so it never touches a socket
 * number that was closed and reused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "api.h"

#define GUARD_TICK_NS (250 * EUCC_NS_PER_MS)

static void guard_check(struct http_guard *g, uint64_t now)
{
	for (size_t i = 0; i < g->nslots; i++) {
		struct guard_slot *s = &g->slots[i];
		uint64_t limit = s->phase == GUARD_HEADERS ? g->header_ns
				 : s->phase == GUARD_BODY  ? g->body_ns
							   : 0;

		if (!s->used || !limit || now - s->since_ns < limit)
			continue;
		shutdown(s->fd, SHUT_RDWR);
		atomic_fetch_add(&g->timed_out[s->phase], 1);
		s->phase = GUARD_NONE;
	}
}

static void *guard_main(void *arg)
{
	struct http_guard *g = arg;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		guard_check(g, eucc_now_ns());
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += GUARD_TICK_NS;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int guard_start(struct http_guard *g, size_t slots, unsigned int header_s, unsigned int body_s)
{
	pthread_condattr_t attr;
	int ret;

	memset(g, 0, sizeof(*g));
	g->slots = calloc(slots, sizeof(*g->slots));
	if (!g->slots)
		return -ENOMEM;
	g->nslots = slots;
	g->header_ns = (uint64_t)header_s * 1000 * EUCC_NS_PER_MS;
	g->body_ns = (uint64_t)body_s * 1000 * EUCC_NS_PER_MS;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	ret = -pthread_create(&g->thread, NULL, guard_main, g);
	if (ret) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g->slots);
		g->slots = NULL;
		return ret;
	}
	g->running = true;
	return 0;
}

void guard_stop(struct http_guard *g)
{
	if (!g->running)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->slots);
	g->slots = NULL;
	g->running = false;
}

static struct guard_slot *slot_take(struct http_guard *g, int fd)
{
	for (size_t i = 0; i < g->nslots; i++)
		if (!g->slots[i].used) {
			g->slots[i] = (struct guard_slot){.fd = fd,
							  .used = true,
							  .phase = GUARD_HEADERS,
							  .since_ns = eucc_now_ns()};
			return &g->slots[i];
		}
	return NULL;
}

void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	struct http_guard *g = cls;
	const union MHD_ConnectionInfo *ci;
	struct guard_slot *slot = *socket_context;

	pthread_mutex_lock(&g->lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? slot_take(g, ci->connect_fd) : NULL;
		g->open++;
	} else {
		if (slot)
			slot->used = false;
		*socket_context = NULL;
		g->open--;
	}
	pthread_mutex_unlock(&g->lock);
}

void guard_phase(struct http_guard *g, struct MHD_Connection *conn, enum guard_phase phase)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct guard_slot *slot = ci ? ci->socket_context : NULL;

	if (!slot)
		return;
	pthread_mutex_lock(&g->lock);
	if (slot->used && slot->phase != phase) {
		slot->phase = phase;
		slot->since_ns = eucc_now_ns();
	}
	pthread_mutex_unlock(&g->lock);
}

unsigned long guard_open(struct http_guard *g)
{
	unsigned long n;

	if (!g->running)
		return 0;
	pthread_mutex_lock(&g->lock);
	n = g->open;
	pthread_mutex_unlock(&g->lock);
	return n;
}
