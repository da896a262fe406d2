/* SPDX-License-Identifier: Apache-2.0 */
/* The server's lifetime: the service, the access log, the listening address, the daemon. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api.h"

static int open_access_log(struct server *s, struct eucc_error *err)
{
	const char *path = s->opts.access_log;

	if (!path)
		return 0;
	s->access_log = strcmp(path, "-") ? fopen(path, "ae") : stderr;
	if (!s->access_log)
		return eucc_error_set(err, -errno, EUCC_E_IO, "cannot open the access log %s: %s",
				      path, strerror(errno));
	return 0;
}

/* The defaults of the connection limits, in one place. */
static void connection_defaults(struct serve_opts *o)
{
	if (!o->max_connections)
		o->max_connections = SERVE_MAX_CONNECTIONS;
	if (!o->per_ip_connections)
		o->per_ip_connections = SERVE_PER_IP_CONNECTIONS;
	if (!o->idle_timeout)
		o->idle_timeout = SERVE_IDLE_TIMEOUT;
	if (!o->header_timeout)
		o->header_timeout = SERVE_HEADER_TIMEOUT;
	if (!o->body_timeout)
		o->body_timeout = SERVE_BODY_TIMEOUT;
}

/* Enough file descriptors for every connection, the workers' pipes and the stores. */
static void raise_fd_limit(unsigned int connections)
{
	rlim_t want = (rlim_t)connections + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < want)
		eucc_warn("only %llu file descriptors for %u connections: raise the hard limit "
			  "(LimitNOFILE=)",
			  (unsigned long long)rl.rlim_cur, connections);
}

int server_init(struct server *s, const struct serve_opts *opts, struct eucc_error *err)
{
	struct service_opts so = {
	    .sz = sizeof(so),
	    .data_dir = opts->data_dir,
	    .workers = opts->workers,
	    .queue_max = opts->queue_max,
	    .tokens_file = opts->tokens_file,
	    .cache_max = opts->cache_max,
	    .allow_btf_upload = opts->allow_btf_upload,
	    .full_header = opts->full_header,
	    .eucc_include = opts->eucc_include,
	    .warm_preload = opts->warm_preload,
	    .limits = opts->limits,
	    .signing_key = opts->signing_key,
	    .registry = opts->registry,
	    .registry_cacert = opts->registry_cacert,
	    .registry_credentials = opts->registry_credentials,
	    .mirror_dir = opts->mirror_dir,
	};
	int ret;

	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	connection_defaults(&s->opts);
	raise_fd_limit(s->opts.max_connections);
	pthread_mutex_init(&s->log_lock, NULL);
	ret = open_access_log(s, err);
	if (!ret)
		ret = service_init(&s->svc, &so, err);
	if (ret && s->access_log && s->access_log != stderr)
		fclose(s->access_log);
	if (ret)
		pthread_mutex_destroy(&s->log_lock);
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
	if (!s->svc.auth_required && !host_is_loopback((struct sockaddr *)ss)) {
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
	service_drain(&s->svc);
	http_stop(s);
	service_fini(&s->svc);
	if (s->access_log && s->access_log != stderr)
		fclose(s->access_log);
	s->access_log = NULL;
	pthread_mutex_destroy(&s->log_lock);
}
