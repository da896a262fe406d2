/* SPDX-License-Identifier: Apache-2.0 */
/* The server's lifetime: open the store and the cache, start workers and the HTTP daemon. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <microhttpd.h>

#include "serve.h"

/* libbpf's messages (opening objects for the manifest) go to the one log, as debug. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG || eucc_log_level() < EUCC_LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	eucc_debug("libbpf: %s", line);
	return 0;
}

int server_init(struct server *s, const struct serve_opts *opts, struct eucc_error *err)
{
	char dir[PATH_MAX];
	struct cache_opts copts = {.sz = sizeof(copts), .max_bytes = opts->cache_max};
	int ret;

	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	libbpf_set_print(libbpf_log);
	snprintf(s->libbpf_version, sizeof(s->libbpf_version), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	if (opts->tokens_file) {
		ret = auth_tokens_load(opts->tokens_file, &s->tokens, err);
		if (ret)
			return ret;
		s->auth_required = true;
	}
	ret = btf_store_open(opts->data_dir, &s->store, err);
	if (ret)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/cache", opts->data_dir);
	ret = cache_open(dir, &copts, &s->cache, err);
	if (ret)
		goto fail;
	flight_table_init(&s->compile_flights);
	flight_table_init(&s->kernel_flights);
	kernel_cache_init(&s->kernels, 16);
	memo_init(&s->answers, 2000);
	memo_init(&s->artifacts, 2000);
	pthread_mutex_init(&s->requests_lock, NULL);
	ret = work_pool_start(&s->pool, opts->workers, opts->queue_max, &s->metrics);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot start %u workers", opts->workers);
		server_fini(s);
		return ret;
	}
	return 0;
fail:
	btf_store_close(s->store);
	auth_tokens_free(&s->tokens);
	return ret;
}

static bool host_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

static int resolve_listen(struct server *s, struct sockaddr_storage *ss, struct eucc_error *err)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM},
			*res;
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%u", s->opts.listen_port);
	rc = getaddrinfo(s->opts.listen_host, port, &hints, &res);
	if (rc)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "cannot listen on %s: %s",
				      s->opts.listen_host, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (!s->auth_required && !host_is_loopback((struct sockaddr *)ss)) {
		eucc_error_set(err, -EPERM, EUCC_E_USAGE,
			       "refusing to listen on %s without a tokens file",
			       s->opts.listen_host);
		eucc_error_hint(err, "give --tokens FILE (see docs/operations.md) or listen on "
				     "127.0.0.1");
		return -EPERM;
	}
	return 0;
}

int server_listen(struct server *s, struct eucc_error *err)
{
	struct sockaddr_storage ss;
	int ret = resolve_listen(s, &ss, err);

	return ret ? ret : http_start(s, (struct sockaddr *)&ss, err);
}

void server_fini(struct server *s)
{
	/* Workers first: their jobs resume suspended connections, which the daemon must see. */
	bool pool = s->pool.threads != NULL;

	if (pool)
		work_pool_stop(&s->pool);
	http_stop(s);
	if (pool)
		work_pool_destroy(&s->pool);
	kernel_cache_destroy(&s->kernels);
	memo_destroy(&s->answers);
	memo_destroy(&s->artifacts);
	flight_table_destroy(&s->compile_flights);
	flight_table_destroy(&s->kernel_flights);
	pthread_mutex_destroy(&s->requests_lock);
	cache_close(s->cache);
	btf_store_close(s->store);
	auth_tokens_free(&s->tokens);
}
